// Validates every object of a multi-document YAML file (kustomize output) against the Kubernetes OpenAPI
// schemas compiled into the npm packages kubernetes-models and @kubernetes-models/prometheus-operator
// (types, required fields, enums, formats). Unknown fields are NOT reported: those schemas allow them.
// ../check.sh copies this folder out of the repository, runs `npm ci` there and then:
//   node validate.mjs FILE.yaml
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const file = process.argv[2];
if (!file) {
    console.error('usage: node validate.mjs FILE.yaml');
    process.exit(2);
}

// apiVersion "v1" -> kubernetes-models/v1, "apps/v1" -> kubernetes-models/apps/v1, the Prometheus Operator's
// monitoring.coreos.com/v1 -> @kubernetes-models/prometheus-operator/monitoring.coreos.com/v1.
const packages = ['kubernetes-models', '@kubernetes-models/prometheus-operator'];

async function modelFor(apiVersion, kind) {
    for (const pkg of packages) {
        let mod;
        try {
            mod = await import(`${pkg}/${apiVersion}`);
        } catch (e) {
            if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') continue;
            throw e;
        }
        if (typeof mod[kind] === 'function') return mod[kind];
    }
    return null;
}

let failures = 0;
let count = 0;
for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) {
        console.error(`FAIL YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
        failures++;
        continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    count++;
    const name = `${obj.kind}/${obj.metadata?.name} (${obj.apiVersion})`;
    const Model = await modelFor(obj.apiVersion, obj.kind);
    if (!Model) {
        console.error(`FAIL ${name}: no schema for this apiVersion and kind`);
        failures++;
        continue;
    }
    try {
        new Model(obj).validate();
        console.log(`ok   ${name}`);
    } catch (e) {
        console.error(`FAIL ${name}: ${e.message}`);
        failures++;
    }
}
if (count === 0) {
    console.error('FAIL: no objects found');
    process.exit(1);
}
process.exit(failures ? 1 : 0);
