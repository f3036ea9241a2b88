// Package pipeline loads, checks, plans and runs specpipe's YAML pipelines: connections to
// generated API clients, typed run parameters, and a list of steps (read, call, map, filter,
// group, lookup, resolve, write, output) that stream records from the vendors' APIs to Kimai.
//
// Every expression is compiled once, when the pipeline loads, with github.com/expr-lang/expr
// against the typed records of the step it reads (a call step's records are the generated
// result type), so a misspelt field is a load error with file:line:column and the nearest field
// names. Records stream through the steps one at a time; only group and lookup steps hold
// records, and a group keeps its records only when a later expression reads them.
//
// docs/pipelines.md is the user's manual, with an example per step kind.
package pipeline
