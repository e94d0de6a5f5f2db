// Starts s3rver, the S3 emulator of the local stack and the tests, on
// 127.0.0.1:<port> with its objects in <dir>, creating the given buckets.
// It takes the access key the stack's SDK clients use ("local") and the
// one in AWS_ACCESS_KEY_ID, besides its own S3RVER: s3rver checks that a
// SigV4 request's key exists (not its signature).
//
//   node s3rver.js <dir> <port> [bucket...]
'use strict';

const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

const [dir, port, ...buckets] = process.argv.slice(2);
if (!dir || !port) {
  console.error('usage: node s3rver.js <dir> <port> [bucket...]');
  process.exit(2);
}
DUMMY_ACCOUNT.createKeyPair('local', 'local');
if (process.env.AWS_ACCESS_KEY_ID) {
  DUMMY_ACCOUNT.createKeyPair(process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY || '');
}

new S3rver({
  directory: dir,
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
})
  .run()
  .then(({ address, port }) => console.log(`s3rver listening on ${address}:${port}`))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
