"""The services on the gateway, one folder each: an operation table and its wire shapes."""
