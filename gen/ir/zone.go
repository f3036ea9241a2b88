package ir

import (
	"fmt"

	"github.com/specpipe/specpipe/gen/spec"
)

// CallerZone is how a client learns its caller's zone: Op returns an object whose Field holds
// the zone's IANA name.
type CallerZone struct {
	Op    *Operation
	Field *Field
}

// CallerZoned reports whether op has a parameter sent in the caller's zone.
func (op *Operation) CallerZoned() bool {
	for _, p := range op.Params {
		if p.CallerZone {
			return true
		}
	}
	return false
}

// callerZone resolves the spec's caller_zone section against the built operations.
func callerZone(a *API, z *spec.CallerZone) (*CallerZone, error) {
	if z == nil {
		return nil, nil
	}
	for _, op := range a.Operations {
		if op.Name != z.Operation {
			continue
		}
		if op.Result == nil || op.Result.Kind != KindObject {
			return nil, fmt.Errorf("caller_zone: operation %s does not return an object", op.Name)
		}
		f := op.Result.Named.Field(z.Field)
		if f == nil || f.Type.Kind != KindScalar || f.Type.Scalar.Name != "string" {
			return nil, fmt.Errorf("caller_zone: %s has no string field %q", op.Result.Named.Name, z.Field)
		}
		return &CallerZone{Op: op, Field: f}, nil
	}
	return nil, fmt.Errorf("caller_zone: no operation %q", z.Operation)
}
