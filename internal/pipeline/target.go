package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/specpipe/specpipe/internal/runtime/redact"
	"github.com/specpipe/specpipe/internal/step"
)

// TargetStore keeps, per pipeline, the target its ledger's writes went to (a state.Store is
// one).
type TargetStore interface {
	Checkpoint(ctx context.Context, pipeline, name string) (string, bool, error)
	SetCheckpoint(ctx context.Context, pipeline, name, value string) error
}

// targetCheckpoint is the checkpoint that holds the target of a connection's writes.
func targetCheckpoint(conn string) string { return "target " + conn }

// TargetError is a run whose state store's ledger was written against another target than
// the one its connection now names: its entries would skip writes the new target never saw.
type TargetError struct {
	Pipeline, Conn string
	Recorded, Now  string
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("connection %s: this state store's ledger of %s was written to %s, but the connection now names %s: "+
		"its entries would skip writes that target never saw. Give each target a state file of its own (--state FILE); "+
		"for the same service at a new address, start a new state file: write steps with existing: adopt what it holds",
		e.Conn, e.Pipeline, e.Recorded, e.Now)
}

// target is the identity of the service a connection talks to: its base URL (without user
// information or secret query parameters) and a hash of the credentials that are not secret
// (the account, user or company: who writes, never a secret).
func (c *connection) target() string {
	base := strings.TrimRight(c.settings.BaseURL, "/")
	if u, err := url.Parse(base); err == nil {
		u.User = nil
		base = redact.URL(u)
	}
	var ids []string
	for _, cr := range c.api.Credentials {
		if v := c.settings.Credentials[cr.Name]; v != "" && !cr.Secret {
			ids = append(ids, cr.Name+"="+v)
		}
	}
	if len(ids) == 0 {
		return base
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return base + " (identity " + hex.EncodeToString(sum[:6]) + ")"
}

// writeConns returns the connections the write steps use, each once, with their steps.
func (p *Pipeline) writeConns() (conns []*connection, steps map[string][]string) {
	steps = map[string][]string{}
	for _, s := range p.steps {
		w, ok := s.impl.(step.Writer)
		if !ok {
			continue
		}
		name := w.WriteConn()
		if _, seen := steps[name]; !seen {
			if i := slices.IndexFunc(p.conns, func(c *connection) bool { return c.name == name }); i >= 0 {
				conns = append(conns, p.conns[i])
			}
		}
		steps[name] = append(steps[name], s.id)
	}
	return conns, steps
}

// CheckTargets checks that the connections the write steps use name the targets the store's
// ledger was written to (see [Pipeline.RecordTargets]). A different target is a *TargetError.
func (p *Pipeline) CheckTargets(ctx context.Context, ts TargetStore) error {
	conns, _ := p.writeConns()
	for _, c := range conns {
		was, ok, err := ts.Checkpoint(ctx, p.Name, targetCheckpoint(c.name))
		if err != nil {
			return fmt.Errorf("the target of connection %s: %w", c.name, err)
		}
		if now := c.target(); ok && was != now {
			return &TargetError{Pipeline: p.Name, Conn: c.name, Recorded: was, Now: now}
		}
	}
	return nil
}

// RecordTargets records the target of each connection whose write steps wrote, adopted or
// skipped a record in the run sum, unless one is recorded already; a run that reached no
// target records none.
func (p *Pipeline) RecordTargets(ctx context.Context, ts TargetStore, sum *Summary) error {
	if sum == nil || sum.DryRun {
		return nil
	}
	conns, steps := p.writeConns()
	for _, c := range conns {
		reached := false
		for _, st := range sum.Steps {
			if slices.Contains(steps[c.name], st.ID) && st.Written+st.Skipped+st.Adopted > 0 {
				reached = true
			}
		}
		if !reached {
			continue
		}
		if _, ok, err := ts.Checkpoint(ctx, p.Name, targetCheckpoint(c.name)); err != nil || ok {
			continue // a failed read was reported by CheckTargets; a recorded one stays
		}
		if err := ts.SetCheckpoint(ctx, p.Name, targetCheckpoint(c.name), c.target()); err != nil {
			return fmt.Errorf("record the target of connection %s: %w", c.name, err)
		}
	}
	return nil
}
