// Package pipeline compiles, binds, plans and runs specpipe's YAML pipelines: connections to
// API clients (the runner passes the generated APIs in), typed run parameters, and a list of
// steps that stream records from the vendors' APIs to Kimai.
//
// [Compile] parses a file once and compiles every expression (package eval) against the typed
// records of the step it reads (a call step's records are the generated result type), so a
// misspelt field is an error with file:line:column and the nearest field names; it narrows the
// records of read and group steps to the fields expressions read (package record decodes only
// those). [Compiled.Bind] adds what changes per run: parameter values and the environment's
// ${...} settings. [Pipeline.Run] streams the records through the steps one at a time; only
// group and lookup steps (and the steps another step reads with from:) hold records.
//
// Step kinds are components of package step: each is one file there with its docs, its
// configuration and a constructor given a narrow step.Compiler, and one row of step.Kinds(); a
// run of a step gets a step.Env with its own evaluator. This package implements those contexts
// (stepctx.go) and reaches the kinds only through the table and the optional interfaces
// (step.Planner, step.Narrower, step.WholeWriter), never by a step's type. To follow one step,
// read internal/step/step.go, then the kind's file there (e.g. group.go), then stepctx.go and
// run.go's stream.
//
// docs/pipelines.md is the user's manual, with an example per step kind.
package pipeline
