package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// simService is the program a demo instance runs: the port it listens on and whether it is
// down (not listening). An instance without one runs the seed's service for its name.
type simService struct {
	// Port is the TCP port it listens on; 0 means the seed's port for the instance.
	Port int32 `json:"port,omitempty"`
	// Down means the program is stopped: connections to the instance are refused.
	Down bool `json:"down,omitempty"`
}

// seedService is what an instance of the seed runs, by its name: the orders API on 80, the
// billing workers on 8080, the staging web servers on 80; the bastion runs only sshd.
func seedService(name string) (kind string, port int32) {
	switch {
	case strings.HasPrefix(name, "orders-api"):
		return "orders", 80
	case strings.HasPrefix(name, "billing-worker"), strings.HasPrefix(name, "reports-batch"):
		return "billing", 8080
	case name == "bastion":
		return "", 0
	}
	return "web", 80
}

// listensOn reports whether the instance's service accepts connections on port.
func (inst *instance) listensOn(port int32) bool {
	_, p := seedService(inst.Name)
	if inst.Service != nil {
		if inst.Service.Down {
			return false
		}
		if inst.Service.Port != 0 {
			p = inst.Service.Port
		}
	}
	return p != 0 && p == port
}

// serve is the service's answer to a request: /health and /healthz answer {"status":"ok"},
// / a JSON hello naming the instance, the orders API /orders and /orders/{id}, the billing
// workers /invoices and below; any other path is a 404 in JSON. uri is the path with its
// query string.
func (inst *instance) serve(verb, uri string) (int, string) {
	kind, _ := seedService(inst.Name)
	path, _, _ := strings.Cut(uri, "?")
	reply := func(status int, extra map[string]any) (int, string) {
		body := map[string]any{"instance": inst.ID, "name": inst.Name, "method": verb, "path": uri}
		for k, v := range extra {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		return status, string(b)
	}
	switch {
	case path == "/health" || path == "/healthz":
		return 200, `{"status":"ok"}`
	case path == "/" || path == "":
		return reply(200, map[string]any{"hello": "from " + inst.Name})
	case kind == "orders" && path == "/orders":
		return reply(200, map[string]any{"orders": []map[string]any{
			{"id": "1001", "item": "coffee beans", "quantity": 2},
			{"id": "1002", "item": "tea", "quantity": 1},
		}})
	case kind == "orders" && strings.HasPrefix(path, "/orders/"):
		return reply(200, map[string]any{"order": map[string]any{"id": strings.TrimPrefix(path, "/orders/"), "item": "coffee beans", "quantity": 2}})
	case kind == "billing" && (path == "/invoices" || strings.HasPrefix(path, "/invoices/")):
		return reply(200, map[string]any{"invoices": []string{"INV-7", "INV-8"}})
	}
	return reply(404, map[string]any{"message": "Not Found"})
}

// change runs fn on the account under the lock and saves it, without counting an API call:
// a scenario's breakage is made behind AWS's back, as a person at a console would.
func (s *Sandbox) change(fn func(st *state, now time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lockFile(true)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.refresh(); err != nil {
		return err
	}
	if err := fn(s.st, s.opts.Now()); err != nil {
		return err
	}
	return s.save()
}

// SetService sets what the service on an instance does: the port it listens on (0 keeps
// the seed's) and whether it is down. It is the demo account's way to stop a service or
// move it to another port, for training scenarios.
func (s *Sandbox) SetService(instanceID string, port int32, down bool) error {
	return s.change(func(st *state, _ time.Time) error {
		inst := st.instance(instanceID)
		if inst == nil {
			return fmt.Errorf("set the service of %s: no such instance in the demo account", instanceID)
		}
		inst.Service = &simService{Port: port, Down: down}
		return nil
	})
}

// StopInstance stops an instance, as `aws ec2 stop-instances` would: its targets become
// unused with Target.InvalidState.
func (s *Sandbox) StopInstance(instanceID string) error {
	return s.change(func(st *state, _ time.Time) error {
		inst := st.instance(instanceID)
		if inst == nil {
			return fmt.Errorf("stop %s: no such instance in the demo account", instanceID)
		}
		inst.State = "stopped"
		return nil
	})
}

// FailVPCLink ends a VPC link FAILED with statusMessage, as AWS ends one it cannot build.
func (s *Sandbox) FailVPCLink(id, statusMessage string) error {
	return s.change(func(st *state, now time.Time) error {
		l := st.VPCLinks[id]
		if l == nil {
			return fmt.Errorf("fail VPC link %s: no such VPC link in the demo account", id)
		}
		l.Failed = statusMessage
		if now.Before(l.Ready) {
			l.Ready = now
		}
		return nil
	})
}

// UnsetStageVariables removes stage variables from a stage, as deleting them in the console
// does.
func (s *Sandbox) UnsetStageVariables(apiID, stageName string, names ...string) error {
	return s.change(func(st *state, _ time.Time) error {
		stg, err := st.stage(apiID, stageName)
		if err != nil {
			return fmt.Errorf("unset the variables of stage %s: %w", stageName, err)
		}
		for _, n := range names {
			delete(stg.Variables, n)
		}
		return nil
	})
}

// RemoveTags removes the tags whose key starts with prefix from every load balancer, target
// group, listener and VPC link, as if they had been made by hand.
func (s *Sandbox) RemoveTags(prefix string) error {
	return s.change(func(st *state, _ time.Time) error {
		strip := func(tags map[string]string) {
			for k := range tags {
				if strings.HasPrefix(k, prefix) {
					delete(tags, k)
				}
			}
		}
		for _, x := range st.LoadBalancers {
			strip(x.Tags)
		}
		for _, x := range st.TargetGroups {
			strip(x.Tags)
		}
		for _, x := range st.Listeners {
			strip(x.Tags)
		}
		for _, x := range st.VPCLinks {
			strip(x.Tags)
		}
		return nil
	})
}
