// Package scenarios embeds the certification catalogue: every YAML file in
// this folder is a scenario, shipped inside the gatecert binary.
package scenarios

import "embed"

// Catalogue holds the embedded scenario files (*.yaml at its root).
//
//go:embed *.yaml
var Catalogue embed.FS
