// Loaded by a hashing worker as if it were @node-rs/argon2 (telemetry test): the worker stops at once, as a crashed one would.
process.exit(3);
