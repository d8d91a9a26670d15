// Preloaded (profiling only) into the node:cluster recipe's primary, which otherwise dies on
// SIGTERM by the default action: exiting normally lets --cpu-prof write its profile.
process.on("SIGTERM", () => process.exit(0));
