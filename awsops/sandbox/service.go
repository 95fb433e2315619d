package sandbox

import (
	"encoding/json"
	"strings"
)

// simService is the program a demo instance runs: the port it listens on and whether it is
// down (not listening). An instance without one runs the seed's service for its name.
type simService struct {
	// Port is the TCP port it listens on; 0 means the seed's port for the instance.
	Port int32 `json:"port,omitempty"`
	// Down means the program is stopped: connections to the instance are refused.
	Down bool `json:"down,omitempty"`
}

// seedService is what an instance of the seed runs, by its name: the orders API, the billing
// workers and the staging web servers, each on 80; the bastion runs only sshd.
func seedService(name string) (kind string, port int32) {
	switch {
	case strings.HasPrefix(name, "orders-api"):
		return "orders", 80
	case strings.HasPrefix(name, "billing-worker"), strings.HasPrefix(name, "reports-batch"):
		return "billing", 80
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
