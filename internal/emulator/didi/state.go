package didi

import (
	"fmt"
	"maps"
	"slices"
)

// BudgetCenters returns a copy of every cost center, disabled ones included (Deleted set), in
// creation order.
func (e *Emulator) BudgetCenters() []BudgetCenter {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Clone(e.centers)
	for i := range out {
		out[i].LeaderIDs = slices.Clone(out[i].LeaderIDs)
	}
	return out
}

// Members returns a copy of every member.
func (e *Emulator) Members() []Member {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.members)
}

// LegalEntities returns a copy of every legal entity.
func (e *Emulator) LegalEntities() []LegalEntity {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.entities)
}

func (e *Emulator) centerIndex(id string) (int, error) {
	i := slices.IndexFunc(e.centers, func(bc BudgetCenter) bool { return bc.ID == id })
	if i < 0 {
		return -1, fmt.Errorf("didi: no budget center %q", id)
	}
	return i, nil
}

// RenameBudgetCenter is a test mutator: it renames a cost center as an administrator would in
// the Didi console.
func (e *Emulator) RenameBudgetCenter(id, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.centerIndex(id)
	if err != nil {
		return err
	}
	e.centers[i].Name = name
	return nil
}

// DeleteBudgetCenter is a test mutator: it disables a cost center, which then vanishes from get.
func (e *Emulator) DeleteBudgetCenter(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i, err := e.centerIndex(id)
	if err != nil {
		return err
	}
	e.centers[i].Deleted = true
	return nil
}

// AddBudgetCenter is a test mutator: it adds bc as created in the console, without the API's
// validation. An empty ID gets a new 16-digit id, an empty CompanyID the sandbox company, empty
// amounts "0.00" and an empty ParentID "0". It returns the id.
func (e *Emulator) AddBudgetCenter(bc BudgetCenter) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if bc.ID == "" {
		bc.ID = fmt.Sprint(e.nextID)
		e.nextID++
	} else if _, err := e.centerIndex(bc.ID); err == nil {
		return "", fmt.Errorf("didi: budget center %q exists", bc.ID)
	}
	if bc.CompanyID == "" {
		bc.CompanyID = SandboxCompanyID
	}
	for _, q := range []*string{&bc.TotalQuota, &bc.AvailableQuota, &bc.FreezeQuota} {
		if *q == "" {
			*q = "0.00"
		}
	}
	if bc.ParentID == "" {
		bc.ParentID = "0"
	}
	bc.LeaderIDs = slices.Clone(bc.LeaderIDs)
	e.centers = append(e.centers, bc)
	return bc.ID, nil
}

// IssueToken is a test mutator: it makes token a valid access token of clientID for the token
// lifetime from now, as if authorize had returned it (used to replay documented examples).
func (e *Emulator) IssueToken(token, clientID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.clients[clientID]; !ok {
		return fmt.Errorf("didi: issue token: no client %q", clientID)
	}
	e.tokens[token] = tokenFor(clientID, e.clock.Now().Add(e.opts.TokenTTL))
	return nil
}

// ExpireTokens is a test mutator: every access token issued so far expires now, as after its
// 1800 s, so the next call with one is answered errno 401.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.tokens)
}

// IssuedTokens returns the access tokens issued and not expired, for a test that looks for them.
func (e *Emulator) IssuedTokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.tokens))
}
