package kqapi

import (
	"fmt"
	"slices"
	"time"
)

// Punches returns a copy of every punch, in atten_id order.
func (e *Emulator) Punches() []Punch {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.punches)
	slices.SortStableFunc(out, func(a, b Punch) int { return cmpInt64(a.ID, b.ID) })
	return out
}

// Employees returns a copy of the current employees (laid-off ones excluded), in getEmployee order.
func (e *Emulator) Employees() []Employee {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.emps)
	for i := range out {
		out[i].Devices = slices.Clone(out[i].Devices)
	}
	return out
}

// Departments returns a copy of the departments, in getDepartment order.
func (e *Emulator) Departments() []Department {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.depts)
}

// Applications returns a copy of every application, in the order they were made.
func (e *Emulator) Applications() []Application {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.apps)
}

// Devices returns a copy of the devices.
func (e *Emulator) Devices() []Device {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.devices)
}

// AddPunch is a test mutator: it records a punch of acct at t on device sn with atten_type typ
// ("" means "1", fingerprint) and returns it with its new atten_id, as a late upload from a
// terminal would appear.
func (e *Emulator) AddPunch(acct string, t time.Time, sn, typ string) (Punch, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.person(acct); !ok {
		return Punch{}, fmt.Errorf("kqapi: add punch: no employee %q", acct)
	}
	if typ == "" {
		typ = "1"
	}
	p := Punch{ID: e.nextPunch, Account: acct, Device: sn, Type: typ, Status: "0", Time: t.Unix()}
	e.nextPunch++
	e.punches = append(e.punches, p)
	return p, nil
}

// ResetRateLimit is a test mutator: it forgets when every account last called, so the next call
// of each is accepted at once.
func (e *Emulator) ResetRateLimit() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.lastCall)
}
