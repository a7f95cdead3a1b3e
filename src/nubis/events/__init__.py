"""Work that arrives without a caller waiting: async invocation workers (later also
event-source pollers and schedules). Invokes through `control`, never around it."""
