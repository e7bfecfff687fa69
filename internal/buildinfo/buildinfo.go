package buildinfo

import "runtime/debug"

// Licence is the SPDX identifier of carekey's licence (the LICENSE file).
const Licence = "Apache-2.0"

// Version returns the version set by the linker (set, the value of
// -X github.com/carekey/carekey/internal/buildinfo.version=…), else the
// module version Go recorded, else "dev".
func Version(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// version may be set by the linker.
var version string

// Line is the version line of the command name.
func Line(name string) string {
	return "carekey " + name + " " + Version(version) + " — licensed under the Apache License 2.0 (see LICENSE)"
}
