package step

// Writer is a step that writes through a connection: the ledger's entries of its records
// belong to that connection's target, which the engine checks before a run.
type Writer interface {
	WriteConn() string
}

// WriteConn is the connection the step writes through.
func (w *writeStep) WriteConn() string { return w.conn.Name }
