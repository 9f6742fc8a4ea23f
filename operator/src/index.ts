// The operator's public surface: what the CLI's `skyrocket operator` runs.
export {};
