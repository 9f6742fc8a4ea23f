// The skyrocket CLI's programmatic surface.
export {};
