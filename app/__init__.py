"""treaty-api: an open, sourced API for treaties and agreements between states."""
