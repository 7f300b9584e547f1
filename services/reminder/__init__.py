"""The reminder service: every reminder fires once, on time, and never for a finished task."""
