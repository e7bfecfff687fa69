// Package buildinfo says which carekey a binary is and under which licence
// it is distributed, for each command's version output:
//
//	fmt.Fprintln(stdout, buildinfo.Line("idp"))
//	// carekey idp v1.2.0 — licensed under the Apache License 2.0 (see LICENSE)
package buildinfo
