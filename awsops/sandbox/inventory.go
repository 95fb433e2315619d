package sandbox

import (
	"encoding/json"
)

// Inventory counts what can be created in the account, for tests and trainers.
type Inventory struct {
	LoadBalancers int
	TargetGroups  int
	Listeners     int
	Targets       int
	VPCLinks      int
	RestAPIs      int
	APIKeys       int
	UsagePlans    int
	IngressRules  int
}

// Inventory counts the account's resources now; VPC links being deleted still count.
func (s *Sandbox) Inventory() Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	inv := Inventory{LoadBalancers: len(st.LoadBalancers), TargetGroups: len(st.TargetGroups), Listeners: len(st.Listeners),
		RestAPIs: len(st.RestAPIs), APIKeys: len(st.APIKeys), UsagePlans: len(st.UsagePlans)}
	now := s.opts.Now()
	for id := range st.VPCLinks {
		if st.link(id, now) != nil {
			inv.VPCLinks++
		}
	}
	for _, tg := range st.TargetGroups {
		inv.Targets += len(tg.Targets)
	}
	for _, g := range st.SecurityGroups {
		inv.IngressRules += len(g.Ingress)
	}
	return inv
}

// Snapshot returns the whole account as JSON, to compare before and after.
func (s *Sandbox) Snapshot() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for id := range s.st.VPCLinks {
		s.st.link(id, now)
	}
	b, _ := json.Marshal(s.st)
	return string(b)
}

// Calls returns how often each operation was called since the sandbox was opened.
func (s *Sandbox) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}
