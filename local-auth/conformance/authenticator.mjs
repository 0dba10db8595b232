// A software WebAuthn authenticator for the conformance tests: a P-256 key per credential,
// "none" attestation, user verification, a signature counter; what navigator.credentials.create()
// and .get() return, serialised as auth-js sends them (base64url JSON).
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** CBOR for what attestation objects and COSE keys use: integers, strings, bytes, maps. */
function cbor(value) {
  const head = (major, length) => {
    if (length < 24) return Buffer.from([(major << 5) | length]);
    if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
    const bytes = Buffer.alloc(3);
    bytes[0] = (major << 5) | 25;
    bytes.writeUInt16BE(length, 1);
    return bytes;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -value - 1);
  if (typeof value === 'string') {
    const text = Buffer.from(value);
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const entries = value instanceof Map ? [...value] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export class SoftwareAuthenticator {
  /** An authenticator at `origin` (what the browser puts in clientDataJSON). */
  constructor({ origin }) {
    this.origin = origin;
    this.credentials = new Map(); // credential id (base64url) -> { key, userHandle, rpId, counter }
  }

  #clientData(type, challenge, origin) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create({ publicKey: options }) */
  create(options, { origin = this.origin } = {}) {
    const id = randomBytes(32);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x, 'base64url')],
        [-3, Buffer.from(jwk.y, 'base64url')],
      ]),
    );
    const rpId = options.rp.id;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([UP | UV | AT]),
      Buffer.alloc(4),
      Buffer.alloc(16),
      idLength,
      id,
      cose,
    ]);
    this.credentials.set(b64url(id), {
      key: privateKey,
      userHandle: Buffer.from(options.user.id, 'base64url'),
      rpId,
      counter: 0,
    });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      response: {
        attestationObject: b64url(cbor({ fmt: 'none', attStmt: {}, authData })),
        clientDataJSON: b64url(this.#clientData('webauthn.create', options.challenge, origin)),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get({ publicKey: options }) with the first (or the allowed) credential. */
  get(options, { origin = this.origin, counter } = {}) {
    const allowed = (options.allowCredentials ?? []).map((credential) => credential.id);
    const entry = [...this.credentials].find(([id]) => allowed.length === 0 || allowed.includes(id));
    if (!entry) throw new Error('no credential for these options');
    const [id, credential] = entry;
    credential.counter = counter ?? credential.counter + 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(credential.counter);
    const authenticatorData = Buffer.concat([
      createHash('sha256').update(credential.rpId).digest(),
      Buffer.from([UP | UV]),
      count,
    ]);
    const clientData = this.#clientData('webauthn.get', options.challenge, origin);
    const signature = createSign('SHA256')
      .update(Buffer.concat([authenticatorData, createHash('sha256').update(clientData).digest()]))
      .sign(credential.key);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        authenticatorData: b64url(authenticatorData),
        clientDataJSON: b64url(clientData),
        signature: b64url(signature),
        userHandle: b64url(credential.userHandle),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
