"""Building, reporting and flashing the guard's bitstreams for the supported boards."""

__all__: list[str] = []
