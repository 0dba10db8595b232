// Deterministic test wallets with the interfaces auth-js talks to: an EIP-1193 Ethereum provider
// (`request` with eth_requestAccounts, eth_chainId, personal_sign) and a Solana wallet
// (`publicKey.toBase58()`, `signMessage`). Keys come from a one-byte seed.
import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { base58 } from '@scure/base';

/** An Ethereum wallet whose private key is 32 bytes of `seed`. */
export function ethereumWallet(seed) {
  const privateKey = new Uint8Array(32).fill(seed);
  const publicKey = secp256k1.getPublicKey(privateKey, false);
  const address = `0x${bytesToHex(keccak_256(publicKey.slice(1)).slice(12))}`;
  return {
    address,
    async request({ method, params }) {
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [address];
        case 'eth_chainId':
          return '0x1';
        case 'personal_sign': {
          const message = hexToBytes(params[0].replace(/^0x/, ''));
          const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`);
          const hash = keccak_256(new Uint8Array([...prefix, ...message]));
          const signature = secp256k1.sign(hash, privateKey);
          return `0x${signature.toCompactHex()}${(27 + signature.recovery).toString(16)}`;
        }
        default:
          throw new Error(`the test wallet does not do ${method}`);
      }
    },
  };
}

/** A Solana wallet whose ed25519 seed is 32 bytes of `seed`. */
export function solanaWallet(seed) {
  const privateKey = new Uint8Array(32).fill(seed);
  const publicKey = ed25519.getPublicKey(privateKey);
  return {
    publicKey: { toBase58: () => base58.encode(publicKey) },
    async signMessage(message) {
      return ed25519.sign(message, privateKey);
    },
  };
}
