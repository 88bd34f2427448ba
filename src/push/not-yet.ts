// LinuxKit's push targets, none built here yet, each with LinuxKit's argument and flags
// (lk:src/cmd/linuxkit/push_*.go), so a LinuxKit command line parses and then says "not
// implemented yet". A real target takes over a stub's declaration: see docs/formats.md.
import { notYetTarget } from './target.js';

const imgName = (what: string) => ({ flags: '--img-name <name>', description: `name of the image (default: ${what})` });

export const aws = notYetTarget({
  name: 'aws',
  description: 'push image to AWS',
  argument: { syntax: '<path>', description: 'raw disk image to upload to S3 and make an AMI of' },
  flags: [
    { flags: '--timeout <seconds>', description: 'upload timeout in seconds', default: 0 },
    { flags: '--bucket <bucket>', description: 'S3 bucket to upload to (required)' },
    imgName("the base of 'path' without its extension"),
    { flags: '--ena', description: 'enable ENA networking', default: false },
    { flags: '--sriov <mode>', description: "SRIOV network support: 'simple' for 82599 VF networking" },
    { flags: '--uefi', description: 'enable UEFI boot mode', default: false },
    { flags: '--tpm', description: 'enable a TPM device', default: false },
  ],
});

export const gcp = notYetTarget({
  name: 'gcp',
  description: 'push image to GCP',
  argument: { syntax: '<path>', description: 'disk image (.img.tar.gz) to upload to GCS and make a VM image of' },
  flags: [
    { flags: '--keys <file>', description: 'service account JSON key file' },
    { flags: '--project <name>', description: 'GCP project name' },
    { flags: '--bucket <bucket>', description: 'GCS bucket to upload to (required)' },
    { flags: '--public', description: 'make the file on GCS public', default: false },
    { flags: '--family <family>', description: 'GCP image family' },
    imgName("the base of 'path' without '.img.tar.gz'"),
    { flags: '--nested-virt', description: 'enable nested virtualization for the image', default: false },
    { flags: '--uefi-compatible', description: 'enable the UEFI_COMPATIBLE feature (needed for vTPM)', default: false },
  ],
});

export const azure = notYetTarget({
  name: 'azure',
  description: 'push image to Azure',
  argument: { syntax: '<path>', description: 'VHD to upload to an Azure storage account' },
  flags: [
    { flags: '--resource-group <name>', description: 'resource group to use for the VM' },
    { flags: '--storage-account <name>', description: 'storage account name' },
  ],
});

export const openstack = notYetTarget({
  name: 'openstack',
  description: 'push image to OpenStack Image store (Glance)',
  argument: { syntax: '<path>', description: 'disk image to upload' },
  flags: [imgName('the file name')],
});

export const scaleway = notYetTarget({
  name: 'scaleway',
  description: 'push image to Scaleway',
  argument: { syntax: '<path>', description: 'EFI ISO image to make a Scaleway image of' },
  flags: [
    imgName("the base of 'path' without '.iso'"),
    { flags: '--access-key <key>', description: 'access key for the Scaleway API' },
    { flags: '--secret-key <key>', description: 'secret key for the Scaleway API' },
    { flags: '--ssh-key <file>', description: 'SSH key file (default ~/.ssh/id_rsa)' },
    { flags: '--instance-id <id>', description: 'a running Scaleway instance with a second volume' },
    { flags: '--device-name <device>', description: 'device the image is copied to', default: '/dev/vdb' },
    { flags: '--volume-size <gb>', description: "volume size in GB (default: the ISO's size rounded up)", default: 0 },
    { flags: '--zone <zone>', description: 'Scaleway zone', default: 'par1' },
    { flags: '--organization-id <id>', description: "Scaleway's organization ID" },
    { flags: '--no-clean', description: 'do not remove the temporary instance and volumes' },
  ],
});

export const vcenter = notYetTarget({
  name: 'vcenter',
  description: 'push image to VMware vCenter',
  argument: { syntax: '<path>', description: 'ISO image to push to a vCenter cluster' },
  flags: [
    { flags: '--url <url>', description: 'URL of VMware vCenter (env VCURL)' },
    { flags: '--datacenter <name>', description: 'datacenter to host the image (env VCDATACENTER)' },
    { flags: '--datastore <name>', description: 'datastore to host the image (env VCDATASTORE)' },
    { flags: '--hostname <host>', description: 'server that will host the image (env VCHOST)' },
    { flags: '--folder <folder>', description: 'folder on the datastore to push the image to' },
  ],
});

export const equinixmetal = notYetTarget({
  name: 'equinixmetal',
  description: 'push image to Equinix Metal',
  argument: { syntax: '[name]', description: "prefix of the image's files (default equinixmetal)" },
  flags: [
    { flags: '--base-url <url>', description: 'base URL the kernel, initrd and iPXE script are served from' },
    imgName('the name'),
    { flags: '--arch <arch>', description: 'image architecture (x86_64 or aarch64)' },
    { flags: '--decompress', description: 'decompress kernel/initrd before pushing' },
    { flags: '--destination <url>', description: "where to push the image ('file' URLs only)" },
  ],
});
