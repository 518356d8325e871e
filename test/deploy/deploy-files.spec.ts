/**
 * Static checks of the container and Kubernetes deployment files (Dockerfile,
 * docker-compose.yml, deploy/k8s/*). No Docker daemon or cluster needed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const K8S_DIR = path.join(ROOT, 'deploy/k8s');

/** Every environment variable the application reads. Manifests may only reference these. */
const KNOWN_ENV_VARS = [
  'NODE_ENV',
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'ENCRYPTION_KEY',
  'ACCESS_TOKEN_TTL',
  'REFRESH_TOKEN_TTL',
  'STORAGE_DIR',
  'MAX_UPLOAD_BYTES',
  'AUTH_RATE_LIMIT_PER_IP',
  'AUTH_RATE_LIMIT_PER_EMAIL',
  'LLM_TIMEOUT_MS',
  'LLM_ALLOW_PRIVATE_URLS',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'SHUTDOWN_GRACE_MS',
  'MIGRATE_ON_START',
  'INTEGRATION_PROJECT_ID',
  'INTEGRATION_SIGNING_KEY',
  'INTEGRATION_API_URL',
  'INTEGRATION_TRIGGER_URL',
  'INTEGRATION_MESSAGES_TRIGGER_ID',
  'INTEGRATION_WEBHOOK_SECRET',
  'MESH_URL',
];

/** Values that must never be stored in a ConfigMap or baked into the image. */
const SECRET_ENV_VARS = [
  'JWT_SECRET',
  'ENCRYPTION_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'INTEGRATION_SIGNING_KEY',
  'INTEGRATION_WEBHOOK_SECRET',
];

const SHUTDOWN_GRACE_MS_DEFAULT = 25000;

// ---------------------------------------------------------------------------
// Minimal shapes of the manifests (only the fields the checks read).

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

interface EnvFromSource {
  configMapRef?: { name: string };
  secretRef?: { name: string };
}

interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface Volume {
  name: string;
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

interface Deployment extends Manifest {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
}

interface Job extends Manifest {
  spec: { backoffLimit?: number; template: PodTemplate };
}

interface ConfigMap extends Manifest {
  data?: Record<string, unknown>;
}

interface Secret extends Manifest {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, unknown>;
}

interface Service extends Manifest {
  spec: {
    type?: string;
    selector: Record<string, string>;
    sessionAffinity?: string;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}

interface Hpa extends Manifest {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }[];
  };
}

interface IngressBackend {
  service: { name: string; port: { name?: string; number?: number } };
}

interface Ingress extends Manifest {
  spec: { rules: { http: { paths: { path: string; backend: IngressBackend }[] } }[] };
}

interface PersistentVolumeClaim extends Manifest {
  spec: { accessModes: string[] };
}

interface Kustomization {
  namespace?: string;
  resources: string[];
}

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: (string | { target: number; published: number | string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test: string | string[] };
  volumes?: (string | { target: string })[];
}

interface Compose {
  services: Record<string, ComposeService>;
}

// ---------------------------------------------------------------------------
// Helpers

function read(rel: string): string {
  return fs.readFileSync(path.join(ROOT, rel), 'utf8');
}

/** Parses every document of a YAML file and fails on any parse error or warning. */
function loadYamlDocs(absPath: string): unknown[] {
  const docs = parseAllDocuments(fs.readFileSync(absPath, 'utf8'), { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  const problems = list.flatMap((d) => [...d.errors, ...d.warnings]).map((e) => e.message);
  if (problems.length > 0) {
    throw new Error(`${path.relative(ROOT, absPath)}: ${problems.join('\n')}`);
  }
  return list.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

function yamlFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));
}

function k8sManifests(): Manifest[] {
  return yamlFilesUnder(K8S_DIR)
    .filter((f) => path.basename(f) !== 'kustomization.yaml')
    .flatMap((f) => loadYamlDocs(f) as Manifest[]);
}

function findOne<T extends Manifest>(kind: string, file?: string): T {
  const source = file ? (loadYamlDocs(path.join(K8S_DIR, file)) as Manifest[]) : k8sManifests();
  const found = source.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as T;
}

function mainContainer(template: PodTemplate): Container {
  expect(template.spec.containers.length).toBeGreaterThanOrEqual(1);
  return template.spec.containers[0];
}

function commandLine(c: Container): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])];
}

function containerPort(c: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (c.ports ?? []).find((p) => p.name === port);
  if (!named) throw new Error(`container ${c.name} has no port named ${port}`);
  return named.containerPort;
}

/** Seconds slept by a preStop hook (`sleep N` exec or the native sleep action). */
function preStopSleepSeconds(c: Container): number {
  const preStop = c.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const cmd = (preStop?.exec?.command ?? []).join(' ');
  const m = /(?:^|[\s;&/])sleep\s+(\d+(?:\.\d+)?)/.exec(cmd);
  return m ? Number(m[1]) : 0;
}

function composeEnv(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function composeDependsOn(svc: ComposeService): Record<string, string | undefined> {
  const deps = svc.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition]));
}

interface DockerInstruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with comments removed and line continuations joined. */
function dockerInstructions(): DockerInstruction[] {
  const lines = read('Dockerfile')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\s*\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l) as RegExpExecArray;
      return { op: m[1].toUpperCase(), args: m[2].trim() };
    });
}

/** Instructions of the last (runtime) stage. */
function finalStage(instructions: DockerInstruction[]): DockerInstruction[] {
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

function dockerEnvNames(stage: DockerInstruction[]): string[] {
  return stage
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
}

function kustomization(): Kustomization {
  const docs = loadYamlDocs(path.join(K8S_DIR, 'kustomization.yaml'));
  expect(docs).toHaveLength(1);
  return docs[0] as Kustomization;
}

// ---------------------------------------------------------------------------

describe('deployment files', () => {
  describe('YAML', () => {
    const files = [path.join(ROOT, 'docker-compose.yml'), ...yamlFilesUnder(K8S_DIR)];

    it('finds the expected files', () => {
      const names = files.map((f) => path.relative(ROOT, f));
      for (const expected of [
        'docker-compose.yml',
        'deploy/k8s/namespace.yaml',
        'deploy/k8s/configmap.yaml',
        'deploy/k8s/secret.example.yaml',
        'deploy/k8s/migration-job.yaml',
        'deploy/k8s/deployment.yaml',
        'deploy/k8s/service.yaml',
        'deploy/k8s/hpa.yaml',
        'deploy/k8s/ingress.yaml',
        'deploy/k8s/kustomization.yaml',
      ]) {
        expect(names).toContain(expected);
      }
      expect(fs.existsSync(path.join(K8S_DIR, 'README.md'))).toBe(true);
    });

    it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s parses without errors', (_rel, file) => {
      const docs = loadYamlDocs(file);
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) expect(typeof doc).toBe('object');
    });

    it('every Kubernetes manifest has apiVersion, kind, metadata.name and the threadline namespace', () => {
      for (const m of k8sManifests()) {
        expect(m.apiVersion).toEqual(expect.any(String));
        expect(m.kind).toEqual(expect.any(String));
        expect(m.metadata?.name).toEqual(expect.any(String));
        if (m.kind !== 'Namespace') expect(m.metadata.namespace).toBe('threadline');
      }
    });
  });

  describe('Dockerfile', () => {
    const instructions = dockerInstructions();
    const runtime = finalStage(instructions);

    it('is multi-stage on node:20-bookworm-slim', () => {
      const froms = instructions.filter((i) => i.op === 'FROM');
      expect(froms.length).toBeGreaterThanOrEqual(2);
      const args = Object.fromEntries(
        instructions
          .filter((i) => i.op === 'ARG' && i.args.includes('='))
          .map((i) => i.args.split('=', 2) as [string, string]),
      );
      for (const from of froms) {
        const image = from.args.split(/\s+/)[0].replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => args[name]);
        expect(image).toBe('node:20-bookworm-slim');
      }
    });

    it('builds with npm ci + npm run build and installs only production deps at runtime', () => {
      const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
      expect(runs.some((r) => /\bnpm ci\b(?!.*--omit=dev)/.test(r))).toBe(true);
      expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
      const runtimeDeps =
        runtime.some((i) => i.op === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(i.args)) ||
        (runtime.some((i) => i.op === 'COPY' && /--from=\S+\s+\S*node_modules/.test(i.args)) &&
          runs.some((r) => /--omit=dev|npm prune --production/.test(r)));
      expect(runtimeDeps).toBe(true);
      const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
      expect(copies.some((c) => /--from=\S+.*\bdist\b/.test(c))).toBe(true);
      expect(copies.some((c) => c.includes('package.json'))).toBe(true);
      expect(copies.some((c) => c.includes('package-lock.json'))).toBe(true);
    });

    it('runs as a non-root user that owns /app/data', () => {
      const users = runtime.filter((i) => i.op === 'USER');
      expect(users.length).toBeGreaterThanOrEqual(1);
      const user = users[users.length - 1].args.split(':')[0];
      expect(['root', '0', '']).not.toContain(user);
      const runs = runtime.filter((i) => i.op === 'RUN').map((i) => i.args);
      expect(runs.some((r) => /chown\s+(-R\s+)?(node|1000)(:(node|1000))?\s+\/app\/data\b/.test(r))).toBe(
        true,
      );
    });

    it('sets NODE_ENV=production, exposes 3000, has a /health HEALTHCHECK and serves', () => {
      expect(runtime.some((i) => i.op === 'ENV' && /(^|\s)NODE_ENV=production\b/.test(i.args))).toBe(true);
      expect(runtime.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('3000'))).toBe(true);
      const health = runtime.find((i) => i.op === 'HEALTHCHECK');
      expect(health?.args).toMatch(/fetch\(/);
      expect(health?.args).toMatch(/\/health/);
      const cmd = runtime.filter((i) => i.op === 'CMD');
      expect(cmd).toHaveLength(1);
      expect(JSON.parse(cmd[0].args)).toEqual(['node', 'dist/src/cli.js', 'serve']);
    });

    it('bakes no secrets into the image', () => {
      const envNames = instructions.filter((i) => i.op === 'ENV' || i.op === 'ARG').map((i) => i.args);
      for (const secret of SECRET_ENV_VARS) {
        expect(envNames.some((e) => new RegExp(`(^|\\s)${secret}\\b`).test(e))).toBe(false);
      }
    });

    it('.dockerignore keeps local artefacts out of the build context', () => {
      const entries = read('.dockerignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      for (const e of ['node_modules', 'dist', 'data', '.git', 'coverage', 'test-results', 'bench/results']) {
        expect(entries).toContain(e);
      }
      expect(entries).toContain('.env');
    });
  });

  describe('docker-compose.yml', () => {
    const compose = loadYamlDocs(path.join(ROOT, 'docker-compose.yml'))[0] as Compose;
    const { postgres, redis, app } = compose.services;

    it('has postgres 16 and redis 7 with healthchecks', () => {
      expect(postgres.image).toMatch(/^postgres:16\b/);
      expect(composeEnv(postgres)).toMatchObject({
        POSTGRES_DB: 'threadline',
        POSTGRES_USER: 'threadline',
        POSTGRES_PASSWORD: 'threadline',
      });
      expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
      expect(postgres.volumes?.length).toBeGreaterThan(0);
      expect(redis.image).toMatch(/^redis:7/);
      expect(JSON.stringify(redis.healthcheck?.test)).toContain('redis-cli');
    });

    it('builds the app and points it at the postgres and redis services', () => {
      expect(app.build).toBeDefined();
      expect((app.ports ?? []).map(String)).toContain('3000:3000');
      const env = composeEnv(app);
      expect(env.NODE_ENV).toBe('development');
      const db = new URL(env.DATABASE_URL);
      expect(db.protocol).toBe('postgres:');
      expect(db.hostname).toBe('postgres');
      expect(db.username).toBe('threadline');
      expect(db.pathname).toBe('/threadline');
      const redisUrl = new URL(env.REDIS_URL);
      expect(redisUrl.protocol).toBe('redis:');
      expect(redisUrl.hostname).toBe('redis');
    });

    it('starts the app only after healthy dependencies and persists /app/data', () => {
      expect(composeDependsOn(app)).toEqual({ postgres: 'service_healthy', redis: 'service_healthy' });
      const targets = (app.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
      expect(targets).toContain('/app/data');
    });
  });

  describe('Kubernetes', () => {
    const deployment = findOne<Deployment>('Deployment', 'deployment.yaml');
    const container = mainContainer(deployment.spec.template);
    const configMap = findOne<ConfigMap>('ConfigMap', 'configmap.yaml');
    const secret = findOne<Secret>('Secret', 'secret.example.yaml');
    const job = findOne<Job>('Job', 'migration-job.yaml');
    const jobContainer = mainContainer(job.spec.template);
    const service = findOne<Service>('Service', 'service.yaml');
    const hpa = findOne<Hpa>('HorizontalPodAutoscaler', 'hpa.yaml');
    const ingress = findOne<Ingress>('Ingress', 'ingress.yaml');

    it('defines the threadline namespace', () => {
      expect(findOne<Manifest>('Namespace', 'namespace.yaml').metadata.name).toBe('threadline');
    });

    it('kustomization lists every manifest, which all exist, except the secret example', () => {
      const k = kustomization();
      expect(k.namespace).toBe('threadline');
      for (const res of k.resources) {
        expect(fs.existsSync(path.join(K8S_DIR, res))).toBe(true);
      }
      expect(k.resources).not.toContain('secret.example.yaml');
      const manifests = yamlFilesUnder(K8S_DIR)
        .map((f) => path.basename(f))
        .filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
      expect([...k.resources].sort()).toEqual(manifests.sort());
      expect(fs.readFileSync(path.join(K8S_DIR, 'kustomization.yaml'), 'utf8')).toContain(
        'secret.example.yaml',
      );
    });

    it('ConfigMap holds string values and no secrets', () => {
      const data = configMap.data ?? {};
      for (const [key, value] of Object.entries(data)) {
        expect([key, typeof value]).toEqual([key, 'string']);
      }
      for (const s of SECRET_ENV_VARS) expect(data).not.toHaveProperty(s);
      expect(data.NODE_ENV).toBe('production');
    });

    describe('Deployment', () => {
      it('runs 2 replicas of the API with pod labels matching the selector', () => {
        expect(deployment.spec.replicas).toBe(2);
        expect(deployment.spec.template.metadata?.labels).toMatchObject(deployment.spec.selector.matchLabels);
        expect(commandLine(container).join(' ')).not.toMatch(/\bmigrate\b/);
      });

      it('exposes container port 3000, matching PORT', () => {
        expect(container.ports?.map((p) => p.containerPort)).toContain(3000);
        if (configMap.data?.PORT !== undefined) expect(configMap.data.PORT).toBe('3000');
      });

      it('probes /ready for readiness, /health for liveness, and has a startup probe', () => {
        expect(container.readinessProbe?.httpGet?.path).toBe('/ready');
        expect(container.livenessProbe?.httpGet?.path).toBe('/health');
        expect(container.startupProbe?.httpGet?.path).toEqual(expect.stringMatching(/^\/(health|ready)$/));
        for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
          expect(containerPort(container, probe?.httpGet?.port as number | string)).toBe(3000);
        }
      });

      it('loads env from the ConfigMap and the Secret and disables migrate-on-start behind a proxy', () => {
        expect(container.envFrom).toEqual(
          expect.arrayContaining([
            { configMapRef: { name: configMap.metadata.name } },
            { secretRef: { name: secret.metadata.name } },
          ]),
        );
        const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
        expect(env.MIGRATE_ON_START ?? configMap.data?.MIGRATE_ON_START).toBe('false');
        expect(env.TRUST_PROXY ?? configMap.data?.TRUST_PROXY).toBe('true');
      });

      it('gives the drain (SHUTDOWN_GRACE_MS) plus the preStop sleep time to finish', () => {
        const raw = configMap.data?.SHUTDOWN_GRACE_MS;
        const graceMs = raw === undefined ? SHUTDOWN_GRACE_MS_DEFAULT : Number(raw);
        expect(Number.isFinite(graceMs)).toBe(true);
        const preStop = preStopSleepSeconds(container);
        expect(preStop).toBeGreaterThan(0);
        const termination = deployment.spec.template.spec.terminationGracePeriodSeconds;
        expect(termination).toEqual(expect.any(Number));
        expect((termination as number) * 1000).toBeGreaterThan(graceMs + preStop * 1000);
      });

      it('sets resource requests and limits', () => {
        expect(container.resources?.requests).toEqual(
          expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
        );
        expect(container.resources?.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      });

      it('runs as non-root with a read-only root filesystem, /tmp and the files volume writable', () => {
        const podSc = deployment.spec.template.spec.securityContext ?? {};
        const sc = container.securityContext ?? {};
        expect(sc.runAsNonRoot ?? podSc.runAsNonRoot).toBe(true);
        expect(sc.runAsUser ?? podSc.runAsUser).not.toBe(0);
        expect(sc.readOnlyRootFilesystem).toBe(true);
        expect(sc.allowPrivilegeEscalation).toBe(false);

        const volumes = Object.fromEntries(
          (deployment.spec.template.spec.volumes ?? []).map((v) => [v.name, v]),
        );
        const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
        expect(volumes[mounts['/tmp']]?.emptyDir).toBeDefined();
        const storageDir = configMap.data?.STORAGE_DIR ?? '/app/data/files';
        expect(storageDir).toBe('/app/data/files');
        const files = volumes[mounts[storageDir as string]];
        expect(files).toBeDefined();
        if (files.persistentVolumeClaim) {
          const pvc = k8sManifests().find(
            (m) =>
              m.kind === 'PersistentVolumeClaim' &&
              m.metadata.name === files.persistentVolumeClaim?.claimName,
          ) as PersistentVolumeClaim | undefined;
          expect(pvc).toBeDefined();
          // Shared by several replicas.
          expect(pvc?.spec.accessModes).toContain('ReadWriteMany');
        }
      });
    });

    it('Service exposes port 80 named http, targeting the container port, with ClientIP affinity', () => {
      expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(deployment.spec.template.metadata?.labels).toMatchObject(service.spec.selector);
      expect(service.spec.ports).toHaveLength(1);
      const [port] = service.spec.ports;
      expect(port.name).toBe('http');
      expect(port.port).toBe(80);
      expect(containerPort(container, port.targetPort ?? port.port)).toBe(3000);
      expect(service.spec.sessionAffinity).toBe('ClientIP');
    });

    it('migration Job runs `migrate` with the same image, config and a non-root user', () => {
      const cmd = commandLine(jobContainer);
      expect(cmd).toContain('migrate');
      expect(cmd).not.toContain('migrate:revert');
      expect(cmd.join(' ')).toContain('dist/src/cli.js');
      expect(jobContainer.image).toBe(container.image);
      expect(job.spec.backoffLimit).toEqual(expect.any(Number));
      expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
      expect(jobContainer.envFrom).toEqual(container.envFrom);
      const podSc = job.spec.template.spec.securityContext ?? {};
      expect(jobContainer.securityContext?.runAsNonRoot ?? podSc.runAsNonRoot).toBe(true);
      expect(jobContainer.securityContext?.runAsUser ?? podSc.runAsUser).not.toBe(0);
    });

    it('HPA scales the Deployment on CPU 70% between 2 and 10 replicas', () => {
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.maxReplicas).toBe(10);
      const cpu = hpa.spec.metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      expect(cpu?.resource?.target).toEqual({ type: 'Utilization', averageUtilization: 70 });
    });

    it('Ingress routes to the Service with websocket-friendly timeouts', () => {
      const annotations = ingress.metadata.annotations ?? {};
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      const backends = ingress.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service));
      expect(backends.length).toBeGreaterThan(0);
      for (const b of backends) {
        expect(b.name).toBe(service.metadata.name);
        const matches = service.spec.ports.some((p) => p.name === b.port.name || p.port === b.port.number);
        expect(matches).toBe(true);
      }
    });

    it('Secret example only holds placeholders for the required secrets', () => {
      expect(secret.data).toBeUndefined();
      const values = secret.stringData ?? {};
      expect(Object.keys(values).sort()).toEqual(
        expect.arrayContaining(['DATABASE_URL', 'ENCRYPTION_KEY', 'JWT_SECRET', 'REDIS_URL']),
      );
      for (const s of SECRET_ENV_VARS) expect(values).toHaveProperty(s);
      for (const [key, value] of Object.entries(values)) {
        expect([key, typeof value]).toEqual([key, 'string']);
        const text = value as string;
        expect([key, text.includes('REPLACE_ME')]).toEqual([key, true]);
        // Nothing that looks like generated key material: long runs mixing
        // letters and digits, base64 or hex, once the placeholder marker is removed.
        const tokens = text.replace(/REPLACE_ME/g, ' ').match(/[A-Za-z0-9+/=]{20,}/g) ?? [];
        for (const token of tokens) {
          const looksRandom = /[0-9]/.test(token) && /[A-Za-z]/.test(token) && !/^[a-z-]+$/.test(token);
          expect([key, token, looksRandom]).toEqual([key, token, false]);
        }
      }
    });

    it('references only known environment variables', () => {
      const referenced = new Set<string>();
      const add = (names: string[], where: string) =>
        names.forEach((n) => referenced.add(`${n}\u0000${where}`));

      for (const m of k8sManifests()) {
        if (m.kind === 'ConfigMap') add(Object.keys((m as ConfigMap).data ?? {}), m.metadata.name);
        if (m.kind === 'Secret') {
          const s = m as Secret;
          add([...Object.keys(s.stringData ?? {}), ...Object.keys(s.data ?? {})], m.metadata.name);
        }
        if (m.kind === 'Deployment' || m.kind === 'Job') {
          const spec = (m as Deployment | Job).spec.template.spec;
          for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
            add(
              (c.env ?? []).map((e) => e.name),
              `${m.metadata.name}/${c.name}`,
            );
          }
        }
      }
      const compose = loadYamlDocs(path.join(ROOT, 'docker-compose.yml'))[0] as Compose;
      add(Object.keys(composeEnv(compose.services.app)), 'docker-compose app');
      add(dockerEnvNames(finalStage(dockerInstructions())), 'Dockerfile');

      expect(referenced.size).toBeGreaterThan(0);
      const unknown = [...referenced]
        .map((r) => r.split('\u0000'))
        .filter(([name]) => !KNOWN_ENV_VARS.includes(name))
        .map(([name, where]) => `${name} (${where})`);
      expect(unknown).toEqual([]);
    });
  });
});
