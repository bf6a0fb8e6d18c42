"""CallStudio: self-hostable, multi-tenant call analytics."""

__version__ = "0.1.0"
