{{- define "carekey.name" -}}{{ .Release.Name }}-carekey{{- end -}}
{{- define "carekey.labels" -}}
app.kubernetes.io/name: carekey
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "carekey.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}
{{- define "carekey.volumes" -}}
- name: config
  configMap: {name: {{ include "carekey.name" . }}}
- name: secrets
  secret: {secretName: {{ .Values.existingSecret }}, defaultMode: 0400}
{{- end -}}
{{- define "carekey.mounts" -}}
- {name: config, mountPath: /etc/carekey, readOnly: true}
- {name: secrets, mountPath: /run/secrets/carekey, readOnly: true}
{{- end -}}
{{- define "carekey.securityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}
