'use strict';
// A placeholder API for the quick starts: answers /health with 200 and everything else with 404.
const http = require('http');
const server = http.createServer((req, res) => {
  const ok = req.url === '/health';
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(ok ? { status: 'ok' } : { error: 'not found' }));
});
server.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
