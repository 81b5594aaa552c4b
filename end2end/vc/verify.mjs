// An independent verifier of our 电子凭证: Digital Bazaar's @digitalbazaar/vc
// with the ecdsa-jcs-2019 Data Integrity cryptosuite, and an offline document
// loader that serves the seal's DID document and our context from files (and
// the W3C contexts from their npm packages). It never touches the network.
//
//   node vc/verify.mjs CREDENTIAL.json DID.json CONTEXT.json
//
// Prints "verified" and exits 0, or "NOT verified" with the reasons and exits 1.
// Besides the proof it expands the credential in JSON-LD safe mode, so a term
// our context does not define fails too (the JCS suite itself never expands).
import { readFileSync } from "node:fs";
import jsonld from "jsonld";
import * as vc from "@digitalbazaar/vc";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { createVerifyCryptosuite } from "@digitalbazaar/ecdsa-jcs-2019-cryptosuite";
import { contexts as vcContexts } from "@digitalbazaar/credentials-context";
import dataIntegrityContext from "@digitalbazaar/data-integrity-context";
import multikeyContext from "@digitalbazaar/multikey-context";
import didContext from "did-context";

const [credentialPath, didPath, contextPath] = process.argv.slice(2);
if (!credentialPath || !didPath || !contextPath) {
  console.error("usage: node vc/verify.mjs CREDENTIAL.json DID.json CONTEXT.json");
  process.exit(2);
}
const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const credential = read(credentialPath);
const didDocument = read(didPath);
// Our context is served at the credential's second @context address.
const ourContextUrl = [].concat(credential["@context"])[1];

const documents = new Map([
  ...vcContexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  [ourContextUrl, read(contextPath)],
]);

async function documentLoader(url) {
  if (url.startsWith("did:")) {
    const [did] = url.split("#");
    if (did !== didDocument.id) throw new Error(`unknown DID ${did} (offline)`);
    if (!url.includes("#")) return { contextUrl: null, documentUrl: url, document: didDocument };
    const method = didDocument.verificationMethod.find((m) => m.id === url);
    if (!method) throw new Error(`no verification method ${url}`);
    return { contextUrl: null, documentUrl: url, document: { "@context": multikeyContext.CONTEXT_URL, ...method } };
  }
  if (documents.has(url)) return { contextUrl: null, documentUrl: url, document: documents.get(url) };
  throw new Error(`the offline loader has no ${url}`);
}

const errors = [];
const suite = new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });
const result = await vc.verifyCredential({ credential, suite, documentLoader });
if (!result.verified) {
  const found = [].concat(result.error?.errors ?? result.error ?? [], ...(result.results ?? []).map((r) => r.error ?? []));
  for (const e of found) errors.push(e?.message ?? String(e));
  if (errors.length === 0) errors.push("verification failed");
}
try {
  await jsonld.expand(credential, { documentLoader, safe: true });
} catch (e) {
  errors.push(`JSON-LD safe-mode expansion failed: ${e.message}`);
}
if (errors.length) {
  console.log("NOT verified");
  for (const e of new Set(errors)) console.log(` - ${e}`);
  process.exit(1);
}
console.log("verified");
