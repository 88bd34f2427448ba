// LinuxKit's run backends that are not built here yet, each with LinuxKit's argument and flags
// (lk:src/cmd/linuxkit/run_*.go), so `linuxkit run gcp --zone z img` parses as LinuxKit's does
// and then says "not implemented yet". A real backend takes over a stub's declaration: see
// docs/run.md, "Adding a backend".
import type { FlagDecl } from '../util/index.js';
import { notYetBackend } from './backend.js';
import { BOOT_KIND_FLAGS } from './image.js';

const data: FlagDecl = { flags: '--data <string>', description: 'string of metadata to pass to the VM' };
const dataFile: FlagDecl = { flags: '--data-file <file>', description: 'file with metadata to pass to the VM' };
const state: FlagDecl = { flags: '--state <dir>', description: 'directory to keep VM state in' };
const keep: FlagDecl = { flags: '--keep', description: 'keep the VM after finishing', default: false };
const prefix = { syntax: '<prefix>', description: 'image: PATH-kernel/-initrd.img/-cmdline prefix, or a disk image' };
const path = { syntax: '<path>', description: 'image to run' };
const uploaded = { syntax: '<name>', description: 'name of an image already pushed to the cloud' };

export const hyperkit = notYetBackend({
  name: 'hyperkit',
  description: 'launch a VM using hyperkit',
  argument: prefix,
  flags: [
    { flags: '--hyperkit <path>', description: 'hyperkit binary' },
    data,
    dataFile,
    { flags: '--ip <address>', description: 'preferred IPv4 address for the VM' },
    state,
    { flags: '--vsock-ports <ports>', description: 'vsock ports to forward from the guest (comma separated)' },
    { flags: '--networking <mode>', description: "'default', 'docker-for-mac', 'vpnkit[,eth,port]', 'vmnet' or 'none'" },
    { flags: '--vpnkit-uuid <uuid>', description: 'UUID of the VPNKit connection' },
    { flags: '--vpnkit <path>', description: 'vpnkit binary' },
    { flags: '--publish <port>', description: "publish a VM's port to the host (repeatable)", repeatable: true },
    { flags: '--uefi', description: 'use UEFI boot', default: false },
    ...BOOT_KIND_FLAGS,
    { flags: '--console-file', description: 'output the console to a tty file', default: false },
    { flags: '--fw <file>', description: 'OVMF firmware for UEFI boot' },
  ],
});

export const virtualization = notYetBackend({
  name: 'virtualization',
  description: 'launch a VM using the macOS virtualization framework',
  argument: prefix,
  flags: [
    data,
    dataFile,
    state,
    { flags: '--networking <mode>', description: "'default', 'vmnet' or 'none'" },
    { flags: '--kernel', description: 'boot image is kernel+initrd+cmdline', default: false },
    { flags: '--virtiofs <dir>', description: 'directory shared on virtiofs (repeatable)', repeatable: true },
  ],
});

export const vbox = notYetBackend({
  name: 'vbox',
  description: 'launch a vbox VM using an existing image',
  argument: path,
  flags: [
    { flags: '--gui', description: 'show the VM GUI', default: false },
    { flags: '--vboxmanage <path>', description: 'VBoxManage binary to use', default: 'VBoxManage' },
    keep,
    { flags: '--name <name>', description: 'name of the VirtualBox VM' },
    state,
    { flags: '--iso', description: 'boot image is an ISO', default: false },
    { flags: '--uefi', description: 'use UEFI boot', default: false },
    { flags: '--networking <config>', description: 'network config (repeatable)', repeatable: true },
  ],
});

export const hyperv = notYetBackend({
  name: 'hyperv',
  description: 'launch a VM in Hyper-V',
  argument: path,
  flags: [
    keep,
    { flags: '--name <name>', description: 'name of the Hyper-V VM' },
    { flags: '--switch <name>', description: 'Hyper-V switch to attach the VM to' },
  ],
});

export const vmware = notYetBackend({
  name: 'vmware',
  description: 'launch a VMware instance using the provided image',
  argument: prefix,
  flags: [state],
});

export const vcenter = notYetBackend({
  name: 'vcenter',
  description: 'launch a vCenter instance using an existing image',
  argument: path,
  flags: [
    { flags: '--url <url>', description: 'URL of VMware vCenter (env VCURL)' },
    { flags: '--datacenter <name>', description: 'datacenter to host the VM (env VCDATACENTER)' },
    { flags: '--datastore <name>', description: 'datastore to host the VM (env VCDATASTORE)' },
    { flags: '--network <label>', description: 'network label the VM will use (env VCNETWORK)' },
    { flags: '--hostname <host>', description: 'server that will run the VM (env VCHOST)' },
    { flags: '--vmfolder <folder>', description: 'folder for the virtual machine' },
    { flags: '--path <path>', description: 'path to a specific image' },
    { flags: '--persistentSize <mb>', description: 'size in MB of persistent storage' },
    { flags: '--powerOn', description: 'power on the new VM once created', default: false },
    { flags: '--waitForIP', description: "wait for the VM's IP (needs --powerOn)", default: false },
  ],
});

export const aws = notYetBackend({
  name: 'aws',
  description: 'launch an AWS ec2 instance using an existing image',
  argument: uploaded,
  flags: [
    { flags: '--machine <type>', description: 'AWS machine type', default: 't2.micro' },
    { flags: '--disk-size <gb>', description: 'size of system disk in GB', default: 0 },
    { flags: '--disk-type <type>', description: 'AWS disk type', default: 'gp2' },
    { flags: '--zone <zone>', description: 'AWS availability zone', default: 'a' },
    { flags: '--security-group <id>', description: 'security group ID' },
    data,
    dataFile,
  ],
});

export const gcp = notYetBackend({
  name: 'gcp',
  description: 'launch a GCP instance',
  argument: { syntax: '<image>', description: 'name of an uploaded GCP image, or path of an image file to upload' },
  flags: [
    { flags: '--name <name>', description: 'machine name' },
    { flags: '--zone <zone>', description: 'GCP zone', default: 'europe-west1-d' },
    { flags: '--machine <type>', description: 'GCP machine type', default: 'g1-small' },
    { flags: '--keys <file>', description: 'service account JSON key file' },
    { flags: '--project <name>', description: 'GCP project name' },
    { flags: '--skip-cleanup', description: "don't remove images or VMs", default: false },
    { flags: '--nested-virt', description: 'enable nested virtualization', default: false },
    { flags: '--vtpm', description: 'enable vTPM device', default: false },
    data,
    dataFile,
  ],
});

export const azure = notYetBackend({
  name: 'azure',
  description: 'launch an Azure instance using an existing image',
  argument: { syntax: '<imagePath>', description: 'path of a VHD image' },
  flags: [
    { flags: '--resourceGroupName <name>', description: 'resource group to use for the VM' },
    { flags: '--location <location>', description: 'location of the VM', default: 'westus' },
    { flags: '--accountName <name>', description: 'storage account name', default: 'linuxkit' },
  ],
});

export const openstack = notYetBackend({
  name: 'openstack',
  description: 'launch an openstack instance using an existing image',
  argument: uploaded,
  flags: [
    { flags: '--flavor <name>', description: 'instance size (flavor)', default: 'm1.tiny' },
    { flags: '--instancename <name>', description: 'name of the instance (default: the image name)' },
    { flags: '--network <id>', description: 'ID of the network to attach the instance to' },
    { flags: '--sec-groups <names>', description: 'security group names, comma separated', default: 'default' },
    { flags: '--keyname <name>', description: 'SSH keypair to associate with the instance' },
  ],
});

export const scaleway = notYetBackend({
  name: 'scaleway',
  description: 'launch a scaleway instance',
  argument: uploaded,
  flags: [
    { flags: '--instance-type <type>', description: 'Scaleway instance type', default: 'DEV1-S' },
    { flags: '--instance-name <name>', description: 'name of the instance', default: 'linuxkit' },
    { flags: '--access-key <key>', description: 'access key for the Scaleway API' },
    { flags: '--secret-key <key>', description: 'secret key for the Scaleway API' },
    { flags: '--zone <zone>', description: 'Scaleway zone', default: 'par1' },
    { flags: '--organization-id <id>', description: "Scaleway's organization ID" },
    { flags: '--clean', description: 'remove the instance', default: false },
    { flags: '--no-attach', description: "don't attach to the serial port" },
  ],
});

export const equinixmetal = notYetBackend({
  name: 'equinixmetal',
  description: 'launch an Equinix Metal device',
  argument: { syntax: '<name>', description: 'prefix of the kernel, initrd and iPXE script' },
  flags: [
    { flags: '--base-url <url>', description: 'base URL the kernel, initrd and iPXE script are served from' },
    { flags: '--zone <facility>', description: 'Equinix Metal facility', default: 'ams1' },
    { flags: '--machine <type>', description: 'Equinix Metal machine type', default: 'baremetal_0' },
    { flags: '--api-key <key>', description: 'Equinix Metal API key' },
    { flags: '--project-id <id>', description: 'Equinix Metal project ID' },
    { flags: '--device <id>', description: 'ID of an existing device' },
    { flags: '--hostname <name>', description: 'hostname of the new instance' },
    { flags: '--img-name <name>', description: 'prefix of the files (default: the name)' },
    { flags: '--always-pxe', description: 'reboot from PXE every time', default: true },
    { flags: '--serve <addr>', description: "serve local files on this HTTP address, e.g. ':8080'" },
    { flags: '--console', description: 'interactive access on the console', default: true },
    keep,
  ],
});
