// Preloaded (node -r) into a child started with --cpu-prof: SIGUSR2 exits the
// process normally so Node writes the CPU profile (a signal death would not).
process.on('SIGUSR2', () => process.exit(0));
