package sandbox

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/vpclink/vpclink/awsops"
)

// state is everything in the account. It is saved as JSON.
type state struct {
	Region         string                   `json:"region"`
	VPCs           []*vpc                   `json:"vpcs"`
	Subnets        []*subnet                `json:"subnets"`
	RouteTables    []*routeTable            `json:"routeTables"`
	Instances      []*instance              `json:"instances"`
	SecurityGroups []*securityGroup         `json:"securityGroups"`
	LoadBalancers  map[string]*loadBalancer `json:"loadBalancers"`
	TargetGroups   map[string]*targetGroup  `json:"targetGroups"`
	Listeners      map[string]*listener     `json:"listeners"`
	VPCLinks       map[string]*vpcLink      `json:"vpcLinks"`
	RestAPIs       map[string]*restAPI      `json:"restApis"`
	APIKeys        map[string]*apiKey       `json:"apiKeys"`
	UsagePlans     map[string]*usagePlan    `json:"usagePlans"`
	// Gateway is API Gateway's account settings; nil means the region's default (gatewayaccount.go).
	Gateway *gatewayAccount `json:"gatewayAccount,omitempty"`
	// NetworkACLs are the ACLs made beyond each VPC's default one (nacl.go).
	NetworkACLs []*networkACL `json:"networkAcls,omitempty"`
	// ACLAssociations are the subnets' network ACL association ids that replacing an
	// association gave, by subnet id; a subnet not listed keeps its first one (nacl.go).
	ACLAssociations map[string]string `json:"aclAssociations,omitempty"`
}

type vpc struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CIDR      string `json:"cidr"`
	IsDefault bool   `json:"isDefault"`
}

type subnet struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	VPC     string `json:"vpc"`
	AZ      string `json:"az"`
	CIDR    string `json:"cidr"`
	FreeIPs int    `json:"freeIps"`
}

type routeTable struct {
	ID       string   `json:"id"`
	VPC      string   `json:"vpc"`
	Main     bool     `json:"main"`
	Subnets  []string `json:"subnets"`
	Internet string   `json:"internet,omitempty"` // igw id for 0.0.0.0/0
	NAT      string   `json:"nat,omitempty"`      // nat id for 0.0.0.0/0
}

type instance struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	State  string   `json:"state"`
	Subnet string   `json:"subnet"`
	IP     string   `json:"ip"`
	Groups []string `json:"groups"`
	// Service is the simulated service it runs when it is not the seed's (service.go).
	Service *simService `json:"service,omitempty"`
}

type rule struct {
	Protocol    string `json:"protocol"`
	From        int32  `json:"from"`
	To          int32  `json:"to"`
	CIDR        string `json:"cidr"`
	Description string `json:"description,omitempty"`
}

type securityGroup struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	VPC         string `json:"vpc"`
	Ingress     []rule `json:"ingress"`
}

type loadBalancer struct {
	ARN     string            `json:"arn"`
	Name    string            `json:"name"`
	DNS     string            `json:"dns"`
	VPC     string            `json:"vpc"`
	Subnets []string          `json:"subnets"`
	IPs     []string          `json:"ips"`
	ENIs    []string          `json:"enis"`
	Created time.Time         `json:"created"`
	Ready   time.Time         `json:"ready"`
	Tags    map[string]string `json:"tags"`
}

type target struct {
	ID         string    `json:"id"`
	Port       int32     `json:"port"`
	Registered time.Time `json:"registered"`
}

type targetGroup struct {
	ARN        string            `json:"arn"`
	Name       string            `json:"name"`
	Port       int32             `json:"port"`
	VPC        string            `json:"vpc"`
	HealthPath string            `json:"healthPath"`
	HealthPort string            `json:"healthPort"`
	Interval   int32             `json:"interval"`
	Healthy    int32             `json:"healthy"`
	Unhealthy  int32             `json:"unhealthy"`
	Targets    []target          `json:"targets"`
	Tags       map[string]string `json:"tags"`
	Timeout    int32             `json:"timeout,omitempty"`
	Matcher    string            `json:"matcher,omitempty"`
}

type listener struct {
	ARN         string            `json:"arn"`
	LB          string            `json:"lb"`
	Port        int32             `json:"port"`
	TargetGroup string            `json:"targetGroup"`
	Tags        map[string]string `json:"tags"`
	Created     time.Time         `json:"created,omitzero"`
}

type vpcLink struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Targets  []string          `json:"targets"`
	Ready    time.Time         `json:"ready"`
	Failed   string            `json:"failed,omitempty"`
	Deleting time.Time         `json:"deleting,omitempty"` // gone at this time
	Tags     map[string]string `json:"tags"`
}

type method struct {
	Auth        string       `json:"auth"`
	APIKey      bool         `json:"apiKey"`
	Params      []string     `json:"params"`
	Integration *integration `json:"integration,omitempty"`
}

type integration struct {
	Type           string            `json:"type"`
	HTTPMethod     string            `json:"httpMethod"`
	ConnectionType string            `json:"connectionType"`
	ConnectionID   string            `json:"connectionId"`
	URI            string            `json:"uri"`
	Params         map[string]string `json:"params"`
}

type resource struct {
	ID       string             `json:"id"`
	Parent   string             `json:"parent,omitempty"`
	PathPart string             `json:"pathPart,omitempty"`
	Path     string             `json:"path"`
	Methods  map[string]*method `json:"methods"`
}

type stage struct {
	Deployment string            `json:"deployment"`
	Variables  map[string]string `json:"variables"`
	Settings   map[string]string `json:"settings"`
	Tags       map[string]string `json:"tags,omitempty"`
}

type restAPI struct {
	ID          string               `json:"id"`
	Name        string               `json:"name"`
	Endpoint    string               `json:"endpoint"`
	Created     time.Time            `json:"created"`
	Tags        map[string]string    `json:"tags"`
	Resources   map[string]*resource `json:"resources"`
	Deployments map[string]time.Time `json:"deployments"`
	// DeploymentDescriptions are the deployments' descriptions, for those that have one.
	DeploymentDescriptions map[string]string `json:"deploymentDescriptions,omitempty"`
	Stages                 map[string]*stage `json:"stages"`
	// Snapshots are the resources each deployment serves, by deployment id.
	Snapshots map[string]map[string]*resource `json:"snapshots,omitempty"`
}

type apiKey struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Value string            `json:"value"`
	Tags  map[string]string `json:"tags"`
}

type usagePlan struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Stages []string          `json:"stages"` // apiId:stage
	Keys   []string          `json:"keys"`
	Tags   map[string]string `json:"tags"`
}

// lbID is "net/<name>/<id>" of a load balancer ARN the sandbox made.
func lbID(arn string) string {
	id, _ := awsops.LoadBalancerID(arn)
	return id
}

// ids makes seed ids that are stable for a region, so screenshots and examples keep them.
type ids struct{ r *rand.Rand }

func (g ids) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g ids) id(prefix string) string { return prefix + "-0" + g.hex(16) }

// seed builds the account of a small company: a production VPC with public and private
// subnets in three AZs and the services behind it, a staging VPC, and the default VPC.
func seed(region string, now time.Time) *state {
	h := fnv.New64a()
	h.Write([]byte(region))
	g := ids{rand.New(rand.NewPCG(h.Sum64(), 7))}
	st := &state{
		Region: region, LoadBalancers: map[string]*loadBalancer{}, TargetGroups: map[string]*targetGroup{},
		Listeners: map[string]*listener{}, VPCLinks: map[string]*vpcLink{}, RestAPIs: map[string]*restAPI{},
		APIKeys: map[string]*apiKey{}, UsagePlans: map[string]*usagePlan{},
	}
	azs := []string{region + "a", region + "b", region + "c"}
	type net struct {
		name, cidr string
		def        bool
		public     []string // subnet CIDRs, one per AZ
		private    []string
	}
	nets := []net{
		{"prod-vpc", "10.0.0.0/16", false, []string{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, []string{"10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"}},
		{"staging-vpc", "10.1.0.0/16", false, []string{"10.1.0.0/24", "10.1.1.0/24"}, []string{"10.1.10.0/24", "10.1.11.0/24"}},
		{"", "172.31.0.0/16", true, []string{"172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"}, nil},
	}
	subnetByName := map[string]*subnet{}
	vpcByName := map[string]*vpc{}
	for _, n := range nets {
		v := &vpc{ID: g.id("vpc"), Name: n.name, CIDR: n.cidr, IsDefault: n.def}
		st.VPCs = append(st.VPCs, v)
		vpcByName[n.name] = v
		env := n.name
		if len(env) > 4 {
			env = env[:len(env)-4] // prod-vpc → prod
		}
		pub := &routeTable{ID: g.id("rtb"), VPC: v.ID, Internet: g.id("igw"), Main: n.def}
		priv := &routeTable{ID: g.id("rtb"), VPC: v.ID, NAT: g.id("nat"), Main: !n.def}
		add := func(cidrs []string, kind string, rt *routeTable) {
			for i, c := range cidrs {
				name := ""
				if !n.def {
					name = fmt.Sprintf("%s-%s-%c", env, kind, 'a'+i)
				}
				p := netip.MustParsePrefix(c)
				sn := &subnet{ID: g.id("subnet"), Name: name, VPC: v.ID, AZ: azs[i], CIDR: c, FreeIPs: 1<<(32-p.Bits()) - 5 - g.r.IntN(20)}
				st.Subnets = append(st.Subnets, sn)
				if name != "" {
					subnetByName[name] = sn
				}
				if !rt.Main {
					rt.Subnets = append(rt.Subnets, sn.ID)
				}
			}
		}
		add(n.public, "public", pub)
		add(n.private, "private", priv)
		st.RouteTables = append(st.RouteTables, pub)
		if n.private != nil || !n.def {
			st.RouteTables = append(st.RouteTables, priv)
		}
		st.SecurityGroups = append(st.SecurityGroups, &securityGroup{ID: g.id("sg"), Name: "default", Description: "default VPC security group", VPC: v.ID,
			Ingress: []rule{}})
	}
	prod, staging := vpcByName["prod-vpc"], vpcByName["staging-vpc"]
	sg := func(name, desc, vpcID string, rules ...rule) string {
		s := &securityGroup{ID: g.id("sg"), Name: name, Description: desc, VPC: vpcID, Ingress: append([]rule{}, rules...)}
		st.SecurityGroups = append(st.SecurityGroups, s)
		return s.ID
	}
	bastionSG := sg("bastion-sg", "SSH from the office", prod.ID, rule{Protocol: "tcp", From: 22, To: 22, CIDR: "203.0.113.0/24", Description: "office"})
	ordersSG := sg("orders-api-sg", "orders API instances", prod.ID, rule{Protocol: "tcp", From: 22, To: 22, CIDR: "10.0.0.0/24", Description: "bastion subnet"})
	billingSG := sg("billing-sg", "billing workers", prod.ID, rule{Protocol: "tcp", From: 8080, To: 8080, CIDR: "10.0.10.0/23", Description: "internal callers"})
	webSG := sg("staging-web-sg", "staging web servers", staging.ID, rule{Protocol: "tcp", From: 22, To: 22, CIDR: "10.1.0.0/24", Description: "bastion subnet"})
	inst := func(name, state, sn string, host int, groups ...string) {
		s := subnetByName[sn]
		p := netip.MustParsePrefix(s.CIDR).Addr().As4()
		p[3] = byte(host)
		st.Instances = append(st.Instances, &instance{ID: g.id("i"), Name: name, State: state, Subnet: s.ID, IP: netip.AddrFrom4(p).String(), Groups: groups})
	}
	inst("bastion", "running", "prod-public-a", 10, bastionSG)
	inst("orders-api-1", "running", "prod-private-a", 21, ordersSG)
	inst("orders-api-2", "running", "prod-private-b", 37, ordersSG)
	inst("orders-api-3", "stopped", "prod-private-c", 52, ordersSG)
	inst("billing-worker-1", "running", "prod-private-a", 64, billingSG)
	inst("billing-worker-2", "running", "prod-private-b", 81, billingSG)
	inst("reports-batch", "stopped", "prod-private-c", 90, billingSG)
	inst("staging-web-1", "running", "staging-private-a", 15, webSG)
	inst("staging-web-2", "stopped", "staging-private-b", 16, webSG)
	if region == LegacyRegion {
		var orders []*instance
		for _, in := range st.Instances {
			if in.Name == "orders-api-1" || in.Name == "orders-api-2" {
				orders = append(orders, in)
			}
		}
		seedLegacyChain(st, g, now, prod.ID, []*subnet{subnetByName["prod-private-a"], subnetByName["prod-private-b"]}, ordersSG, orders)
	}
	return st
}
