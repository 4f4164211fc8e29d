{{/*
Everything here is a pure function of the values and the release: no lookup, no random data,
no clock. Argo CD renders charts with `helm template`, and anything that differs between two
renders shows up as a permanent OutOfSync.
*/}}

{{/* Chart name, overridable. */}}
{{- define "accountsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of the namespaced objects of this release. Truncated to 63 because it names a Service,
whose name must be a DNS label.
*/}}
{{- define "accountsync.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of everything two tenant releases could otherwise both create under one name: the
ClusterRole and ClusterRoleBinding, the Roles and RoleBindings in watched namespaces (two
tenants may share one), and the leader-election lease. It is "<release namespace>.<fullname>":
a namespace name cannot contain a dot, so the first dot always ends it and no two
(namespace, release) pairs map to the same name, as "a-b" + "c" and "a" + "b-c" would with a
dash. Not truncated, because truncation is what makes names collide; these kinds allow 253
characters.
*/}}
{{- define "accountsync.scopedName" -}}
{{- printf "%s.%s" .Release.Namespace (include "accountsync.fullname" .) -}}
{{- end -}}

{{/* Labels selecting this release's manager pods. Immutable once installed. */}}
{{- define "accountsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "accountsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Common labels of every object. */}}
{{- define "accountsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "accountsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | replace "+" "_" | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: accountsync
{{- end -}}

{{/* Manager image: the digest wins over the tag, so a pinned release cannot drift. */}}
{{- define "accountsync.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
ServiceAccount of the manager. With create=false a name is required: falling back to
"default" would hand the operator's rights to every pod of the namespace.
*/}}
{{- define "accountsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "accountsync.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Watched namespaces as a JSON list (use with fromJsonArray). [] means the release namespace,
so a tenant release is isolated unless it asks for more; ["*"] means all namespaces.
*/}}
{{- define "accountsync.watchNamespaces" -}}
{{- $namespaces := .Values.watchNamespaces | default (list .Release.Namespace) | uniq -}}
{{- if and (has "*" $namespaces) (gt (len $namespaces) 1) -}}
{{- fail "watchNamespaces: \"*\" (all namespaces) cannot be combined with namespace names" -}}
{{- end -}}
{{- toJson $namespaces -}}
{{- end -}}

{{/* "true" when the release watches all namespaces (ClusterRole), else empty. */}}
{{- define "accountsync.clusterWide" -}}
{{- if has "*" (include "accountsync.watchNamespaces" . | fromJsonArray) -}}true{{- end -}}
{{- end -}}

{{/* Name of the leader-election lease, one per release (in the release namespace). */}}
{{- define "accountsync.leaseName" -}}
{{- include "accountsync.scopedName" . -}}
{{- end -}}

{{/*
The controllers' RBAC rules from files/rules.yaml (generated from the kubebuilder markers).
Checked here so that a broken file fails the render instead of producing an empty Role.
*/}}
{{- define "accountsync.rules" -}}
{{- $rules := .Files.Get "files/rules.yaml" | fromYamlArray -}}
{{- if not $rules -}}
{{- fail "files/rules.yaml is missing or empty" -}}
{{- end -}}
{{- range $rules -}}
{{- if not (kindIs "map" .) -}}
{{- fail (printf "files/rules.yaml must be a YAML list of PolicyRules: %v" .) -}}
{{- end -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end -}}

{{/* Name of the metrics Service; the ServiceMonitor's job label, so also the alerts' selector. */}}
{{- define "accountsync.metricsServiceName" -}}
{{- printf "%s-metrics" (include "accountsync.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Secret holding the metrics serving certificate, or empty for the manager's self-signed one.
Fails on combinations the manager would refuse, at render time rather than in a crash loop.
*/}}
{{- define "accountsync.metricsCertSecret" -}}
{{- $cert := .Values.metrics.certificate -}}
{{- if and (or $cert.secretName $cert.certManager.enabled) (not .Values.metrics.secure) -}}
{{- fail "metrics.certificate needs metrics.secure (a certificate with plain HTTP is never used)" -}}
{{- end -}}
{{- if $cert.certManager.enabled -}}
{{- if not (dig "name" "" $cert.certManager.issuerRef) -}}
{{- fail "metrics.certificate.certManager.issuerRef.name is required" -}}
{{- end -}}
{{- default (printf "%s-metrics-cert" (include "accountsync.fullname" .)) $cert.secretName -}}
{{- else -}}
{{- $cert.secretName -}}
{{- end -}}
{{- end -}}

{{/* Where the certificate Secret is mounted (--metrics-cert-path). */}}
{{- define "accountsync.metricsCertDir" -}}
/etc/accountsync/metrics-certs
{{- end -}}

{{/* The DNS names the metrics Service answers to, which a certificate must carry. */}}
{{- define "accountsync.metricsDNSNames" -}}
{{- $svc := include "accountsync.metricsServiceName" . -}}
{{- toJson (list (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace)) -}}
{{- end -}}
