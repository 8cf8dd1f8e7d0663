// Command etcd is etcd's own entry point (go.etcd.io/etcd/server/v3/etcdmain),
// built here because etcd's main module cannot be installed with `go install`
// (its go.mod has replace directives).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
