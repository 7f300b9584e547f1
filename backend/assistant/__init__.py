"""The assistant: task tools shared by the chat endpoint and the MCP server."""
