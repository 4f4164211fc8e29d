package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// Command is `kubectl accountsync`: the standard kubeconfig flags (--kubeconfig, --context,
// --namespace, ...) and the verbs of API.md's "Review".
type Command struct {
	flags   *genericclioptions.ConfigFlags
	streams genericiooptions.IOStreams
	output  string
	// Now is the clock for ages and sync requests; tests pin it.
	Now func() time.Time
}

// NewCommand builds the root command writing to streams.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	c := &Command{flags: genericclioptions.NewConfigFlags(true), streams: streams, Now: time.Now}
	return c.Root()
}

// Root returns the cobra tree of c.
func (c *Command) Root() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-accountsync",
		Short: "Review and decide what AccountSync leaves to a person",
		Long: `kubectl accountsync reads the AccountSync objects of a namespace and helps a person decide:

  status    connections, policies and the mappings that need a person
  review    conflicts, ambiguous and unmatched records with ranked suggestions
  map       print (or --apply) the manual AccountMapping that links a pair
  plan      a dry-run policy's plan as a table
  sync      ask a policy, connection or mapping to sync now
  explain   why a mapping is in its state, with its recent events`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// kubectl runs the binary as `kubectl accountsync`; help and usage say so.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl accountsync"},
	}
	root.SetOut(c.streams.Out)
	root.SetErr(c.streams.ErrOut)
	c.flags.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVarP(&c.output, "output", "o", "", "output format: yaml or json (default: tables)")
	root.AddCommand(c.statusCmd(), c.reviewCmd(), c.mapCmd(), c.planCmd(), c.syncCmd(), c.explainCmd())
	return root
}

// NewCommandWith is NewCommand with a pinned clock, for tests.
func NewCommandWith(streams genericiooptions.IOStreams, now func() time.Time) *cobra.Command {
	c := &Command{flags: genericclioptions.NewConfigFlags(true), streams: streams, Now: now}
	return c.Root()
}

func (c *Command) client() (client.Client, string, error) {
	cfg, err := c.flags.ToRESTConfig()
	if err != nil {
		return nil, "", err
	}
	ns, _, err := c.flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	return cl, ns, err
}

// structured prints v as YAML or JSON when -o asks for it, and reports whether it did.
func (c *Command) structured(v any) (bool, error) {
	switch c.output {
	case "":
		return false, nil
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return true, err
		}
		_, err = c.streams.Out.Write(b)
		return true, err
	case "json":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return true, err
		}
		_, err = fmt.Fprintf(c.streams.Out, "%s\n", b)
		return true, err
	}
	return true, fmt.Errorf("unknown output format %q: use yaml or json", c.output)
}

func (c *Command) load(ctx context.Context) (*World, error) {
	cl, ns, err := c.client()
	if err != nil {
		return nil, err
	}
	return Load(ctx, cl, ns)
}

func (c *Command) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Connections, policies and the mappings that need a person",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := c.load(cmd.Context())
			if err != nil {
				return err
			}
			if done, err := c.structured(w); done {
				return err
			}
			PrintStatus(c.streams.Out, w)
			return nil
		},
	}
}

func (c *Command) reviewCmd() *cobra.Command {
	var policy string
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Conflicts, ambiguous and unmatched records with ranked suggestions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := c.load(cmd.Context())
			if err != nil {
				return err
			}
			wl := BuildWorklist(w, policy)
			if done, err := c.structured(wl); done {
				return err
			}
			PrintWorklist(c.streams.Out, wl)
			return nil
		},
	}
	cmd.Flags().StringVar(&policy, "policy", "", "only this SyncPolicy")
	return cmd
}

func (c *Command) mapCmd() *cobra.Command {
	var tool, psa, name string
	var apply, replace bool
	cmd := &cobra.Command{
		Use:   "map POLICY --tool ORG_ID --psa ACCOUNT_ID",
		Short: "Print (or --apply) the manual AccountMapping linking a tool organization and a PSA account",
		Long: `map prints the manual AccountMapping that links one tool organization and one PSA account
under a policy, as YAML to commit to Git (or JSON with -o json); --apply creates it instead.
It refuses a record another mapping of the policy already holds, naming that mapping.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tool == "" || psa == "" {
				return errors.New("both --tool and --psa are required")
			}
			ctx := cmd.Context()
			cl, ns, err := c.client()
			if err != nil {
				return err
			}
			policy := args[0]
			var sp v1alpha1.SyncPolicy
			if err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: policy}, &sp); err != nil {
				if apierrors.IsNotFound(err) {
					return fmt.Errorf("SyncPolicy %q not found in namespace %q", policy, ns)
				}
				return err
			}
			am := ManualMapping(ns, policy, tool, psa, name)
			var ams v1alpha1.AccountMappingList
			if err := cl.List(ctx, &ams, client.InNamespace(ns)); err != nil {
				return err
			}
			if err := CheckFree(ams.Items, policy, tool, psa, am.Name, replace); err != nil {
				return err
			}
			if !apply {
				if c.output == "json" {
					_, err := c.structured(am)
					return err
				}
				b, err := yaml.Marshal(am)
				if err != nil {
					return err
				}
				_, err = c.streams.Out.Write(stripEmptyStatus(b))
				return err
			}
			if err := cl.Create(ctx, am); err != nil {
				return err
			}
			fmt.Fprintf(c.streams.Out, "accountmapping.accountsync.io/%s created\n", am.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&tool, "tool", "", "tool organization id")
	cmd.Flags().StringVar(&psa, "psa", "", "PSA account id")
	cmd.Flags().StringVar(&name, "name", "", "mapping name (default <policy>-manual-<tool id>)")
	cmd.Flags().BoolVar(&apply, "apply", false, "create the mapping instead of printing it")
	cmd.Flags().BoolVar(&replace, "replace-generated", false, "write it even when a generated mapping holds a record (manual wins)")
	return cmd
}

// stripEmptyStatus drops the empty status and creationTimestamp a freshly built object
// serialises with, so the YAML is what a person commits.
func stripEmptyStatus(b []byte) []byte {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "status: {}" || strings.TrimSpace(l) == "creationTimestamp: null" {
			continue
		}
		lines = append(lines, l)
	}
	return []byte(strings.Join(lines, "\n"))
}

func (c *Command) planCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plan POLICY",
		Short: "A dry-run policy's plan as a table",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ns, err := c.client()
			if err != nil {
				return err
			}
			var sp v1alpha1.SyncPolicy
			if err := cl.Get(cmd.Context(), types.NamespacedName{Namespace: ns, Name: args[0]}, &sp); err != nil {
				return err
			}
			if done, err := c.structured(map[string]any{"planTotal": sp.Status.PlanTotal, "plan": sp.Status.Plan}); done {
				return err
			}
			if !sp.Spec.DryRun && len(sp.Status.Plan) == 0 {
				return fmt.Errorf("SyncPolicy %q is not a dry run: set spec.dryRun: true to see its plan", sp.Name)
			}
			PrintPlan(c.streams.Out, &sp, 0)
			return nil
		},
	}
}

func (c *Command) syncCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sync [sp|ic|am/]NAME",
		Short: "Ask a SyncPolicy (default), IntegrationConnection or AccountMapping to sync now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ns, err := c.client()
			if err != nil {
				return err
			}
			kind, name, found := strings.Cut(args[0], "/")
			if !found {
				kind, name = "sp", args[0]
			}
			var obj client.Object
			switch strings.ToLower(kind) {
			case "sp", "syncpolicy", "syncpolicies":
				obj, kind = &v1alpha1.SyncPolicy{}, "syncpolicy"
			case "ic", "integrationconnection", "integrationconnections":
				obj, kind = &v1alpha1.IntegrationConnection{}, "integrationconnection"
			case "am", "accountmapping", "accountmappings":
				obj, kind = &v1alpha1.AccountMapping{}, "accountmapping"
			default:
				return fmt.Errorf("unknown kind %q: use sp, ic or am", kind)
			}
			obj.SetNamespace(ns)
			obj.SetName(name)
			value := c.Now().UTC().Format(time.RFC3339Nano)
			patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.SyncRequestedAtAnnotation, value)
			if err := cl.Patch(cmd.Context(), obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
				return err
			}
			fmt.Fprintf(c.streams.Out, "%s.accountsync.io/%s: sync requested (%s=%s); status.lastHandledSyncRequest shows it once handled\n",
				kind, name, v1alpha1.SyncRequestedAtAnnotation, value)
			return nil
		},
	}
}

// Explanation is what `explain -o yaml|json` prints.
type Explanation struct {
	Mapping *v1alpha1.AccountMapping `json:"mapping"`
	Events  []corev1.Event           `json:"events"`
}

func (c *Command) explainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain MAPPING",
		Short: "Why a mapping is in its state, with its recent events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, ns, err := c.client()
			if err != nil {
				return err
			}
			var am v1alpha1.AccountMapping
			if err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: args[0]}, &am); err != nil {
				return err
			}
			var evs corev1.EventList
			if err := cl.List(ctx, &evs, client.InNamespace(ns), client.MatchingFields{
				"involvedObject.kind": "AccountMapping", "involvedObject.name": am.Name}); err != nil {
				return err
			}
			if done, err := c.structured(Explanation{Mapping: &am, Events: evs.Items}); done {
				return err
			}
			Explain(c.streams.Out, &am, evs.Items, c.Now())
			return nil
		},
	}
}

// Run executes the command line args with streams and returns the process exit code.
func Run(args []string, streams genericiooptions.IOStreams) int {
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
		return 1
	}
	return 0
}
