"""TaskFlow's task tools served to MCP clients: over stdio (`taskflow mcp`) and HTTP (/mcp)."""
