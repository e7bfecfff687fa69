// Builds carekey's GOV.UK Frontend stylesheet (carekey.scss, importing the
// pinned govuk-frontend) and writes it, with VERSION and MANIFEST, to every
// place that embeds it. Run by `make ui`; the output is committed so that Go
// builds and tests need no Node.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const targets = [join(root, "ui", "static", "govuk"), join(root, "internal", "dashboard", "static", "govuk")];

const pinned = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).devDependencies["govuk-frontend"];
const installed = JSON.parse(readFileSync(join(here, "node_modules", "govuk-frontend", "package.json"), "utf8")).version;
if (pinned !== installed) {
  throw new Error(`govuk-frontend ${installed} is installed but package.json pins ${pinned}: run npm ci`);
}

const css = sass.compile(join(here, "carekey.scss"), {
  style: "compressed",
  loadPaths: [here],
  quietDeps: true,
}).css;

// name -> contents; MANIFEST lists each file's SHA-256, VERSION the pinned version.
const files = {
  "carekey.css": css + "\n",
  VERSION: pinned + "\n",
};
const manifest = Object.keys(files)
  .sort()
  .map((name) => `${createHash("sha256").update(files[name]).digest("hex")}  ${name}\n`)
  .join("");
files.MANIFEST = manifest;

for (const dir of targets) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(join(dir, name), body);
  }
  console.log(`wrote ${dir} (govuk-frontend ${pinned}, ${css.length} bytes of CSS)`);
}
