"""MatConvNet dialect: simplenn init functions."""
