package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// done shows the finished setup: the invoke URL, a curl line, every id, and how to delete it.
type done struct {
	c     *Common
	j     *steps.Journal
	quit  key.Binding
	width int
}

func newDone(c *Common, j *steps.Journal) *done {
	return &done{c: c, j: j, quit: key.NewBinding(key.WithKeys("q", "enter"), key.WithHelp("q", "quit"))}
}

func (d *done) Title() string { return "Done" }
func (d *done) Why() string {
	return "API Gateway now answers at the invoke URL and forwards every path under it, through the VPC link " +
		"and the load balancer, to your instances. Redeploying or changing the stage variables re-points the " +
		"API; vpclink destroy removes everything this run created, in dependency order."
}
func (d *done) Init() tea.Cmd  { return nil }
func (d *done) Enter() tea.Cmd { return nil }

func (d *done) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if km, ok := msg.(tea.KeyMsg); ok && key.Matches(km, d.quit) {
		return d, tea.Quit
	}
	return d, nil
}

func (d *done) SetSize(w, _ int)   { d.width = w }
func (d *done) Problems() []string { return nil }
func (d *done) Warnings() []string { return nil }

func (d *done) View() string {
	s := d.c.Styles
	sum := SummaryOf(d.j)
	var b strings.Builder
	b.WriteString(s.Success.Render("✔ The API is connected to your private service.") + "\n\n")
	// A value too long for the line goes on its own line, whole, so it can be copied.
	row := func(label, value string) {
		switch {
		case value == "":
		case 16+ansi.StringWidth(value) <= d.width || d.width == 0:
			fmt.Fprintf(&b, "%-15s %s\n", label, value)
		default:
			fmt.Fprintf(&b, "%s\n  %s\n", label, value)
		}
	}
	row("Invoke URL", sum.InvokeURL)
	if try := TryIt(d.j); len(try) == 1 {
		row("Try it", try[0])
	} else if len(try) > 1 {
		b.WriteString("Try it\n  " + strings.Join(try, "\n  ") + "\n")
	}
	row("REST API", sum.RestAPIID+", stage "+sum.Stage+", VPC link "+sum.VPCLinkID)
	row("Load balancer", awsops.ResourceName(sum.LoadBalancerARN))
	row("NLB DNS name", sum.LoadBalancerDNS)
	row("Target group", awsops.ResourceName(sum.TargetGroupARN))
	row("Plan file", d.j.PlanFile)
	row("Delete it all", "vpclink destroy "+strings.TrimSpace(d.c.Flags+" "+d.j.RunID))
	if d.j.Demo {
		b.WriteString("\n" + s.Subtle.Render(d.c.para("This is the demo account: the URL is not reachable from the internet.")))
	}
	return strings.TrimRight(b.String(), "\n")
}

// TryIt returns the shell lines of a request to the root of the invoke URL that the API
// answers: for API_KEY with the key's value read by the AWS CLI into $KEY (vpclink never
// prints nor stores it), for AWS_IAM signed by curl (7.75 or later) with the caller's
// credentials. Long commands continue on the next line with a backslash, to fit 80 columns.
func TryIt(j *steps.Journal) []string {
	url := j.InvokeURL()
	if url == "" {
		return nil
	}
	url += "/"
	switch j.Plan.API.Authorization {
	case steps.AuthAPIKey:
		if j.Resources.APIKeyID == "" {
			break
		}
		return []string{
			"KEY=$(aws apigateway get-api-key --api-key " + j.Resources.APIKeyID + " --include-value \\",
			"  --query value --output text --region " + j.Region + ")",
			`curl -H "x-api-key: $KEY" \`,
			"  " + url,
		}
	case steps.AuthIAM:
		return []string{
			"# signed with your AWS keys; with no session token, drop the -H line",
			`curl --aws-sigv4 "aws:amz:` + j.Region + `:execute-api" \`,
			`  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \`,
			`  -H "x-amz-security-token: $AWS_SESSION_TOKEN" \`,
			"  " + url,
		}
	}
	return []string{"curl " + url}
}

func (d *done) ShortHelp() []key.Binding  { return []key.Binding{d.quit} }
func (d *done) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
