// Better Auth 1.7 as the original product configured it (7-day sessions, 1-day update age,
// 1-hour cookie cache, email and password), on PostgreSQL, under node:cluster with as many
// processes as the Python server has workers. Env: PORT, DATABASE_URL, WORKERS, SECRET.
import cluster from "node:cluster";
import http from "node:http";
import pg from "pg";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";

const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS || 2);
const baseURL = `http://127.0.0.1:${port}`;

function makeAuth() {
  return betterAuth({
    baseURL,
    secret: process.env.SECRET,
    trustedOrigins: [baseURL, `http://localhost:${port}`],
    database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
    emailAndPassword: { enabled: true },
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
      cookieCache: { enabled: true, maxAge: 60 * 60 },
    },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
  });
}

if (cluster.isPrimary) {
  const auth = makeAuth();
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    if (code !== 0) console.error(`worker ${worker.process.pid} exited with ${code}`);
  });
} else {
  const handler = toNodeHandler(makeAuth());
  http
    .createServer((req, res) => {
      if (req.url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
        return;
      }
      handler(req, res);
    })
    .listen(port, "127.0.0.1");
}
