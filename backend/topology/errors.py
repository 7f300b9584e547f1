"""The one error type of the topology package: a problem a person can fix, as one line."""


class TopologyError(Exception):
    """A missing tool, a failed build, a process that would not start; one actionable line."""
