import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A private key and certificate, as PEM text and as files. */
export interface CertificatePair {
  /** The private key, PEM. */
  readonly key: string;
  /** The certificate, PEM. */
  readonly cert: string;
  /** Path of the key file. */
  readonly keyPath: string;
  /** Path of the certificate file. */
  readonly certPath: string;
}

/**
 * Every certificate the socket tests need, made with the `openssl` CLI. Leaf certificates name
 * `localhost`, `127.0.0.1` and `::1` in their SANs unless said otherwise.
 */
export interface TestCertificates {
  /** Directory holding the files. */
  readonly dir: string;
  /** The test CA; trust it with `TLSOptions.client(ca.cert)`. */
  readonly ca: CertificatePair;
  /** A second CA nobody trusts. */
  readonly otherCa: CertificatePair;
  /** Signed by `ca`, valid now. */
  readonly valid: CertificatePair;
  /** Signed by `ca`, expired in 2020. */
  readonly expired: CertificatePair;
  /** Signed by `ca`, valid from 2099. */
  readonly notYetValid: CertificatePair;
  /** Signed by `ca`, valid now, but only for `wrong.example`. */
  readonly wrongHost: CertificatePair;
  /** Self-signed, valid now. */
  readonly selfSigned: CertificatePair;
  /** Signed by `otherCa`, valid now. */
  readonly unknownCa: CertificatePair;
}

const LOCAL_SAN = 'DNS:localhost,IP:127.0.0.1,IP:::1';
// Bump when the set of certificates changes, so stale caches are not reused.
const VERSION = 'v1';

let pending: Promise<TestCertificates> | null = null;

/**
 * The test certificates, made once per day in the temp directory and shared by every test
 * worker of the run (workers that race each build a private copy; the first rename wins).
 *
 * @returns the certificates.
 * @throws if `openssl` is missing or fails.
 */
export function testCertificates(): Promise<TestCertificates> {
  pending ??= load();
  return pending;
}

async function load(): Promise<TestCertificates> {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const dir = join(tmpdir(), `gdhttp-testkit-certs-${VERSION}-${day}`);
  if (!(await exists(join(dir, 'done')))) {
    const work = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await mkdir(work, { recursive: true });
    try {
      await generate(work);
      await writeFile(join(work, 'done'), 'ok\n');
      await rename(work, dir);
    } catch (error) {
      await rm(work, { recursive: true, force: true });
      // Another worker renamed its copy first: use that one.
      if (!(await exists(join(dir, 'done')))) throw error;
    }
  }
  const pair = async (name: string): Promise<CertificatePair> => {
    const keyPath = join(dir, `${name}.key`);
    const certPath = join(dir, `${name}.pem`);
    return {
      key: await readFile(keyPath, 'utf8'),
      cert: await readFile(certPath, 'utf8'),
      keyPath,
      certPath,
    };
  };
  return {
    dir,
    ca: await pair('ca'),
    otherCa: await pair('other-ca'),
    valid: await pair('valid'),
    expired: await pair('expired'),
    notYetValid: await pair('not-yet-valid'),
    wrongHost: await pair('wrong-host'),
    selfSigned: await pair('self-signed'),
    unknownCa: await pair('unknown-ca'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim()}`, { cause: error });
  }
}

async function newKey(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key`,
  ]);
}

async function newCa(dir: string, name: string, subject: string): Promise<void> {
  await newKey(dir, name);
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${subject}`,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.pem`,
  ]);
  // `openssl ca` (used because it can back-date certificates) needs a small database.
  await mkdir(join(dir, `${name}-db`, 'new'), { recursive: true });
  await writeFile(join(dir, `${name}-db`, 'index.txt'), '');
  await writeFile(join(dir, `${name}-db`, 'serial'), '1000\n');
  await writeFile(
    join(dir, `${name}.cnf`),
    [
      '[ ca ]',
      'default_ca = testca',
      '[ testca ]',
      `dir = ${join(dir, `${name}-db`)}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir/new',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
}

interface LeafSpec {
  readonly name: string;
  readonly ca: string;
  readonly commonName: string;
  readonly san: string;
  readonly start?: string;
  readonly end?: string;
}

async function newLeaf(dir: string, spec: LeafSpec): Promise<void> {
  await newKey(dir, spec.name);
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    `${spec.name}.key`,
    '-subj',
    `/CN=${spec.commonName}`,
    '-out',
    `${spec.name}.csr`,
  ]);
  await writeFile(
    join(dir, `${spec.name}.ext`),
    [
      '[ leaf ]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${spec.san}`,
      '',
    ].join('\n'),
  );
  const dates =
    spec.start !== undefined && spec.end !== undefined
      ? ['-startdate', spec.start, '-enddate', spec.end]
      : ['-days', '30'];
  await openssl(dir, [
    'ca',
    '-batch',
    '-notext',
    '-config',
    `${spec.ca}.cnf`,
    '-cert',
    `${spec.ca}.pem`,
    '-keyfile',
    `${spec.ca}.key`,
    '-in',
    `${spec.name}.csr`,
    '-out',
    `${spec.name}.pem`,
    '-extfile',
    `${spec.name}.ext`,
    '-extensions',
    'leaf',
    ...dates,
  ]);
}

async function generate(dir: string): Promise<void> {
  await Promise.all([
    newCa(dir, 'ca', 'gdhttp test CA'),
    newCa(dir, 'other-ca', 'gdhttp untrusted CA'),
  ]);
  // Sequential per CA: `openssl ca` updates its database file.
  await newLeaf(dir, { name: 'valid', ca: 'ca', commonName: 'localhost', san: LOCAL_SAN });
  await newLeaf(dir, {
    name: 'expired',
    ca: 'ca',
    commonName: 'localhost',
    san: LOCAL_SAN,
    start: '20200101000000Z',
    end: '20200201000000Z',
  });
  await newLeaf(dir, {
    name: 'not-yet-valid',
    ca: 'ca',
    commonName: 'localhost',
    san: LOCAL_SAN,
    start: '20990101000000Z',
    end: '20990201000000Z',
  });
  await newLeaf(dir, {
    name: 'wrong-host',
    ca: 'ca',
    commonName: 'wrong.example',
    san: 'DNS:wrong.example',
  });
  await newLeaf(dir, {
    name: 'unknown-ca',
    ca: 'other-ca',
    commonName: 'localhost',
    san: LOCAL_SAN,
  });
  await newKey(dir, 'self-signed');
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'self-signed.key',
    '-subj',
    '/CN=localhost',
    '-days',
    '30',
    '-addext',
    `subjectAltName=${LOCAL_SAN}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-out',
    'self-signed.pem',
  ]);
}
