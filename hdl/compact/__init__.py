"""The compact guard core for small FPGAs: a microcoded check engine over block RAM."""
