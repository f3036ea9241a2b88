// Package generated holds the API clients generated from specs/*.yaml: one package per API
// (kqapi, didi, kimai) and an index of them all (APIs, Lookup) for the pipeline runner.
//
// Do not edit the *_gen.go files: change the spec or the generator in gen/, then run
//
//	go generate ./...
package generated

//go:generate go run ../gen -specs ../specs -out .
