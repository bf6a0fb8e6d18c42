"""The demo organization and the `callstudio demo` command. Above every other app: it builds the
demo through their services, and nothing imports it."""
