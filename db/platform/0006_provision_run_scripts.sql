-- Which build's tenant scripts a provisioning run applied: the fingerprint (SHA-256) of every tenant-context,
-- module and databank script the build carries, recorded when the run succeeds. `up` migrates an active tenant
-- whose last succeeded run recorded another fingerprint (or none: runs of builds before this column), so that a
-- new build's scripts reach the tenants provisioned by an older one without `./ipai migrate --all`.
ALTER TABLE ipai_provision_run ADD COLUMN scripts text;
COMMENT ON COLUMN ipai_provision_run.scripts IS 'Fingerprint of the tenant scripts of the build whose run succeeded (TenantProvisioner.ScriptsFingerprint).';
