import { writeFileSync } from 'node:fs';
import { measureVerification } from './verification.js';
writeFileSync('/tmp/plans.json', JSON.stringify({ bench: { per_key_per_minute: 1e9, account_per_second: 1e9, account_per_minute: 1e9 } }));
console.log(await measureVerification('/tmp/plans.json', 'bench'));
