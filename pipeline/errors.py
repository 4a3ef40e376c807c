class RefineryError(Exception):
    """An error the user can fix (a bad input path, a recipe that does not parse, ...).
    The CLI prints it in one line, without a traceback."""
