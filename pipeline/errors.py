class RefineryError(Exception):
    """An error the user can fix (a bad input path, a recipe that does not parse, ...).
    The CLI prints it in one line, without a traceback, and exits with `exit_code`."""

    exit_code = 2


class ShardFailed(RefineryError):
    """A shard could not be finished. It is left unfinished (no completion marker) while the
    other shards go on; the run then exits non-zero naming it, and a rerun retries it."""


class SourceError(ShardFailed):
    """One input could not be read to its end: not found, unreachable, or cut for good after
    every retry."""


class WorkerDied(ShardFailed):
    """The process running a shard died (killed, out of memory) more often than the shard's
    retries allow."""


class IncompleteRun(RefineryError):
    """Some shards failed (each a ShardFailed); the rest of the run is done and kept."""

    exit_code = 1


class StepFailed(RefineryError):
    """A step raised on one document: the run stops and the message names the shard, the
    document and the step, with the line that raised (a bug to report, or a page to look at)."""
