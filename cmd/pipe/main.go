// Command pipe runs specpipe pipelines and pokes the APIs they use.
//
//	pipe run FILE [--param k=v]... [--dry-run]   run a pipeline (from cron)
//	pipe validate FILE...                        check pipelines without any network call
//	pipe plan FILE                               the calls a run will make and how long the vendors' limits make it
//	pipe call API.OPERATION [k=v]... [--all]     call one operation; records as JSON lines on stdout
//	pipe ops [API | API.OPERATION]               the operations of each API, or one whole (fields, paging)
//	pipe sandbox                                 start the kqapi, Didi and Kimai emulators on loopback
//	pipe demo                                    run attendance-to-kimai against an in-process sandbox
//	pipe version                                 the module version and VCS revision of the binary
//	pipe help [COMMAND]                          a command's description, arguments, flags and example
//	pipe completion bash|zsh|fish                a shell completion script
//
// Exit codes (of the binary: go run reports 1 for every failure): 0 all good, 1 some records failed, 2 usage or configuration error, 3 the run could not
// proceed (auth, vendor down after retries), 4 another run of the pipeline holds the lock.
package main

import (
	"context"
	"os"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv)) }
