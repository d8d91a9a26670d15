// A queue consumer: it never listens. PM2's fork mode counts it online once started; so does corral.
const timer = setInterval(() => {}, 1000);
console.log(`consumer ${process.env.NODE_APP_INSTANCE} started (${process.env.NODE_ENV})`);
process.on("message", (message) => {
  if (message !== "shutdown") return;
  clearInterval(timer);
  console.log("consumer stopping");
});
