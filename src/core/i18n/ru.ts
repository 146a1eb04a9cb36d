import type { AuditAction, AuditValue } from '../quota/audit.ts';
import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import type { LimitSource } from '../quota/settings.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';
import type { CommandTexts, ModerationNumber } from './sections.ts';

/** Russian plural forms: 1 изображение, 2 изображения, 5 изображений. */
function plural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}
const images = (n: number) => `${n} ${plural(n, 'изображение', 'изображения', 'изображений')}`;
const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'сегодня' : quota.window === 'week' ? 'на этой неделе' : 'в этом месяце');
const resetsIn = (quota: QuotaView, now = Date.now()) =>
  `Обновится через ${spanOf(quota.resetsAt.getTime() - now, { min: 'мин', h: 'ч', days: 'дн.' })}.`;
const bonusNote = (quota: QuotaView) => (quota.bonus > 0 ? `, плюс бонус: ${images(quota.bonus)} (хранятся до использования)` : '');
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'Владелец бота заблокировал вас' : 'Модератор заблокировал вас в этом сообществе';
  return `${who}${block.reason ? ` (причина: ${block.reason})` : ''}. Если это ошибка, обратитесь к модератору.`;
};
const NOT_CHARGED = 'Квота не списана.';
const NOTHING_CHANGED = 'Ничего не изменено.';

/** Откуда взят лимит — так, как это читает модератор. */
const LIMIT_SOURCE: Readonly<Record<LimitSource, string>> = {
  user: 'личный лимит',
  community: 'лимит по умолчанию здесь',
  platform: 'лимит по умолчанию от владельца бота',
  config: 'лимит по умолчанию из настроек бота',
};
/** Действие в строке журнала модерации. */
const ACTION: Readonly<Record<AuditAction, string>> = {
  set: 'изменение лимита',
  grant: 'бонус',
  reset: 'сброс счётчика',
  block: 'блокировка',
  unblock: 'разблокировка',
  default: 'лимит по умолчанию',
};
/** Число, которое вводит модератор: существительное (им. и вин. падеж совпадают) и согласованное «должен». */
const NUMBER: Readonly<Record<ModerationNumber, { readonly noun: string; readonly must: string }>> = {
  limit: { noun: 'лимит', must: 'должен' },
  amount: { noun: 'количество', must: 'должно' },
  page: { noun: 'номер страницы', must: 'должен' },
};
const limitText = (limit: AuditValue) => (limit === null ? 'не задан (действовал лимит по умолчанию)' : String(limit));
const imagesOf = (value: AuditValue) => (typeof value === 'number' ? images(value) : String(value));
const valueText = (value: AuditValue) => (value === null ? '—' : value === true ? 'да' : value === false ? 'нет' : String(value));
const EDIT_EXAMPLE = 'сделай небо фиолетовым';

/** Названия и описания команд и параметров Discord по путям (см. CommandTexts). */
const COMMANDS = {
  edit: { name: 'изменить', description: 'Изменить изображения с помощью Nano Banana' },
  'edit.prompt': { name: 'запрос', description: 'Что изменить' },
  'edit.image': { name: 'изображение', description: 'Изображение, которое нужно изменить' },
  'edit.image2': { name: 'изображение2', description: 'Второе исходное изображение' },
  'edit.image3': { name: 'изображение3', description: 'Третье исходное изображение' },
  'edit.image4': { name: 'изображение4', description: 'Четвёртое исходное изображение' },
  'edit.count': { name: 'количество', description: 'Сколько результатов (столько же спишется с вашей квоты)' },
  'edit.aspect_ratio': { name: 'пропорции', description: 'Форма результата (по умолчанию — как у исходного)' },
  'edit.format': { name: 'формат', description: 'Формат файла результата' },
  imagine: { name: 'создать', description: 'Создать изображения по текстовому описанию с помощью Nano Banana' },
  'imagine.prompt': { name: 'запрос', description: 'Что создать' },
  'imagine.count': { name: 'количество', description: 'Сколько результатов (столько же спишется с вашей квоты)' },
  'imagine.aspect_ratio': { name: 'пропорции', description: 'Форма результата (по умолчанию — квадрат)' },
  'imagine.format': { name: 'формат', description: 'Формат файла результата' },
  quota: { name: 'квота', description: 'Сколько изображений у вас осталось' },
  help: { name: 'помощь', description: 'Как пользоваться ботом' },
  'quota-admin': { name: 'квота-админ', description: 'Управление квотами изображений на этом сервере (для модераторов)' },
  'quota-admin.show': { name: 'показать', description: 'Показать квоту участника' },
  'quota-admin.show.user': { name: 'участник', description: 'Чья квота' },
  'quota-admin.set': { name: 'установить', description: 'Задать личный лимит участника на период' },
  'quota-admin.set.user': { name: 'участник', description: 'Чей лимит' },
  'quota-admin.set.limit': { name: 'лимит', description: 'Изображений за период' },
  'quota-admin.grant': { name: 'начислить', description: 'Начислить участнику бонусные изображения (хранятся до использования)' },
  'quota-admin.grant.user': { name: 'участник', description: 'Кому начислить' },
  'quota-admin.grant.amount': { name: 'количество', description: 'Сколько бонусных изображений' },
  'quota-admin.reset': { name: 'сбросить', description: 'Сбросить счётчик участника за текущий период' },
  'quota-admin.reset.user': { name: 'участник', description: 'Чей счётчик' },
  'quota-admin.block': { name: 'заблокировать', description: 'Запретить участнику пользоваться ботом здесь' },
  'quota-admin.block.user': { name: 'участник', description: 'Кого заблокировать' },
  'quota-admin.block.reason': { name: 'причина', description: 'Почему (участник увидит причину)' },
  'quota-admin.unblock': { name: 'разблокировать', description: 'Разблокировать участника' },
  'quota-admin.unblock.user': { name: 'участник', description: 'Кого разблокировать' },
  'quota-admin.default': { name: 'по_умолчанию', description: 'Задать лимит по умолчанию для всех здесь' },
  'quota-admin.default.limit': { name: 'лимит', description: 'Изображений за период' },
  'quota-admin.log': { name: 'журнал', description: 'Журнал модерации, сначала новые записи' },
  'quota-admin.log.user': { name: 'участник', description: 'Только действия с этим участником' },
  'quota-admin.log.page': { name: 'страница', description: 'Страница (1 — самые новые записи)' },
  'menu.edit': { name: 'Изменить с Nano Banana', description: '' },
} as const satisfies CommandTexts;

export const ru: Catalogue = {
  intlLocale: 'ru-RU',
  errors: {
    INPUT_INVALID: 'Некорректный запрос.',
    IMAGE_UNSUPPORTED: 'Этот файл не является изображением, которое я могу изменить. Пришлите JPEG, PNG или WebP.',
    IMAGE_TOO_LARGE: 'Изображение слишком большое. Пришлите поменьше (до 20 МБ и 50 мегапикселей).',
    DOWNLOAD_FAILED: 'Не удалось скачать ваше изображение. Пришлите его ещё раз.',
    PROVIDER_REJECTED: 'Сервис изображений отклонил этот запрос.',
    PROVIDER_UNAVAILABLE: 'Сервис изображений сейчас недоступен. Попробуйте через несколько минут.',
    PROVIDER_FAILED: 'Сервис изображений не смог создать это изображение. Попробуйте переформулировать запрос.',
    PROVIDER_PROTOCOL: 'Сервис изображений прислал ответ, который я не понимаю. Попробуйте ещё раз.',
    TIMED_OUT: 'Это заняло слишком много времени, поэтому я отменил запрос.',
    CANCELLED: 'Отменено.',
    STORE_UNAVAILABLE: 'Сейчас нет доступа к базе данных, поэтому я не принимаю запросы. Попробуйте позже.',
    DELIVERY_FAILED: 'Изображение готово, но отправить его сюда не удалось.',
    INTERNAL: 'Что-то пошло не так с моей стороны.',
  },
  notCharged: NOT_CHARGED,
  queued: (position) => (position === undefined ? 'В очереди…' : position <= 0 ? 'В очереди: вы следующий…' : `В очереди: перед вами ${position}…`),
  running: (kind = 'edit') => (kind === 'edit' ? 'Редактирую…' : 'Создаю…'),
  delivering: () => 'Отправляю…',
  needPrompt: () => 'Напишите, что изменить: добавьте описание правки.',
  promptTooLong: (max) => `Описание слишком длинное. Уложитесь в ${max} символов.`,
  needImage: () => 'Прикрепите изображение для редактирования или используйте /imagine, чтобы создать его по тексту.',
  needImaginePrompt: () => 'Напишите, что создать: /imagine и описание, например /imagine рыжая лиса в снегу.',
  tooManyImages: (max) => `Отправляйте не больше ${max} изображений за раз.`,
  badCount: (max) => `Можно запросить от 1 до ${max} изображений.`,
  duplicate: () => 'Я уже работаю над этим запросом.',
  cancelled: () => `Отменено. ${NOT_CHARGED}`,
  restarting: () => `Я сейчас перезапускаюсь, поэтому не начал этот запрос. Отправьте его снова через минуту. ${NOT_CHARGED}`,
  suspended: () => 'Пауза: я перезапускаюсь. Ваш запрос продолжится сам через минуту.',
  interrupted: () => 'Я перезапустился до того, как ваш запрос дошёл до сервиса изображений, поэтому ничего не сделано и ничего не списано. Отправьте его снова.',
  tooManyInFlight: (max) =>
    `У вас уже ${max} ${plural(max, 'запрос', 'запроса', 'запросов')} в работе. Отправьте этот снова, когда ${max === 1 ? 'он завершится' : 'один из них завершится'}. ${NOT_CHARGED}`,
  coolDown: (seconds) => `Подождите ${seconds} с перед следующим запросом. ${NOT_CHARGED}`,
  cancelRefused: (why) =>
    why === 'not_yours' ? 'Отменить может только автор запроса.' : why === 'too_late' ? 'Отменять поздно: результат уже отправляется.' : 'Этот запрос уже завершён.',
  quotaExhausted: (quota, requested, now) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `Вы использовали все ${images(quota.limit)} (${period(quota)}). ${resetsIn(quota, now)}`
      : `Вы запросили ${images(requested)}, а осталось ${left}${quota.bonus > 0 ? ' (с бонусом)' : ''}. Запросите меньше. ${resetsIn(quota, now)}`;
  },
  blocked: (block) => `${blockedLine(block)} ${NOT_CHARGED}`,
  done: (elapsedMs, quota) =>
    `Готово за ${secondsOf(elapsedMs, ',')} с · осталось ${quota.remaining} из ${quota.limit} (${period(quota)})${bonusNote(quota)}.`,
  quota: (quota, resets) => {
    const lines = quota.blocked ? [blockedLine(quota.blocked)] : [];
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} зарезервировано выполняющимися запросами.` : '';
    lines.push(`Использовано ${quota.used} из ${images(quota.limit)} (${period(quota)}); осталось ${quota.remaining}${bonusNote(quota)}.${inFlight}`);
    lines.push(`Обновится ${resets}.`);
    return lines.join('\n');
  },
  help: (platform) =>
    (platform === 'telegram'
      ? [
          'Пришлите фото с подписью, что изменить, и я верну отредактированное изображение.',
          'Можно также ответить на фото командой /edit <что изменить>. В группах начинайте подпись с /edit.',
          '/imagine <описание> создаёт новое изображение по тексту.',
          'Параметры в тексте: --n 2 (сколько), --ar 16:9 (пропорции), --png / --jpeg / --webp (формат).',
          'Совет: отправьте изображение файлом, чтобы сохранить качество.',
          '/quota показывает, сколько изображений у вас осталось.',
        ]
      : [
          `Используйте /${COMMANDS.edit.name} с описанием и изображением, и я отвечу отредактированным изображением.`,
          `Параметры: до четырёх исходных изображений, ${COMMANDS['edit.count'].name} (1–4 результата), ${COMMANDS['edit.aspect_ratio'].name} и ${COMMANDS['edit.format'].name}.`,
          `Используйте /${COMMANDS.imagine.name} с описанием, чтобы создать изображение по тексту, с теми же параметрами.`,
          `/${COMMANDS.quota.name} показывает, сколько изображений у вас осталось.`,
        ]
    ).join('\n'),
  moment: (p) => `${p.weekday}, ${p.day} ${p.month}, в ${p.time} (${p.timeZone})`,
  chat: {
    needCaption: () =>
      `Добавьте к фото подпись о том, что изменить, например «${EDIT_EXAMPLE}», и отправьте его ещё раз. ` +
      'Или ответьте на фото командой /edit со своим запросом.',
    editUsage: (botUsername, inGroup) =>
      [
        'Чтобы отредактировать фото, ответьте на него командой /edit и напишите, что изменить, например:',
        `/edit ${EDIT_EXAMPLE}`,
        inGroup ? `Или отправьте фото с подписью, которая начинается с /edit или упоминает @${botUsername}.` : 'Или пришлите мне фото с подписью о том, что изменить.',
      ].join('\n'),
    privateHint: () => 'Пришлите мне фото с подписью о том, что изменить, или ответьте на фото командой /edit со своим запросом. Подробнее — /help.',
    imagineUsage: () => 'Чтобы создать изображение по тексту, отправьте /imagine и описание, например:\n/imagine рыжая лиса в снегу --ar 16:9',
    needPromptWithOptions: () => 'Одних параметров мало: добавьте описание того, что вы хотите.',
    notAnImage: () => 'Я редактирую только изображения: пришлите фото или файл JPEG, PNG или WebP. Этот файл не подходит.',
    fileTooLarge: (megabytes) => `Файл слишком большой: из Telegram я могу скачать файл не больше ${megabytes} МБ. Отправьте его как фото или пришлите файл поменьше.`,
    tooManyImages: (count, max) => `Здесь ${images(count)}, а за раз я могу отредактировать не больше ${max}. Отправьте меньше и попробуйте снова. ${NOT_CHARGED}`,
    albumTakenLate: (count) => `Этот альбом уже в работе (${images(count)}); фото, пришедшие позже, отправьте ещё раз с командой /edit.`,
    commandGone: () => 'Эта команда больше не доступна. Наберите /help, чтобы узнать, что я умею.',
  },
  buttons: {
    cancel: 'Отмена',
    sendAsFile: 'Отправить файлом',
    sendAsFiles: 'Отправить файлами',
    again: 'Повторить',
    editAgain: 'Изменить ещё раз',
    editThis: 'Изменить это',
    useAsInput2: 'Как исходное №2',
    promptLabel: 'Что изменить',
    cancelling: 'Отменяю…',
    gone: 'Этот файл больше недоступен; запустите запрос заново.',
    notYourRequest: 'Эта кнопка — только для автора запроса.',
    alreadyAgain: 'Уже запущено: пользуйтесь кнопками под последним результатом.',
    editAgainPrompt: (isPrivate, username) =>
      isPrivate
        ? `Ответьте на изображение и напишите, что изменить, например: ${EDIT_EXAMPLE}.`
        : `${username ? `@${username}, о` : 'О'}тветьте на изображение командой /edit и напишите, что изменить, например: /edit ${EDIT_EXAMPLE}.`,
  },
  options: {
    help: (maxCount) => `Параметры: --n 1-${maxCount} (сколько), --ar 16:9 (пропорции), --png, --jpeg или --webp (формат файла).`,
    badCount: (flag, max) => `После --${flag} укажите число от 1 до ${max}.`,
    badRatio: (flag, ratios) => `После --${flag} укажите одно из значений: ${ratios.join(', ')}.`,
    badFormat: (flag) => `После --${flag} укажите png, jpeg или webp.`,
    unknownOption: (flag) => `Неизвестный параметр --${flag}.`,
  },
  moderation: {
    notModerator: () => `Эта команда доступна только модераторам этого сообщества. ${NOTHING_CHANGED}`,
    notOwnerInPrivate: () => 'Команды модерации работают на сервере или в группе — для их модераторов. В личном чате ими могут пользоваться только владельцы бота.',
    missingTarget: (platform) =>
      platform === 'telegram' ? 'Укажите, чья квота: ответьте на сообщение участника или добавьте его @username или числовой id.' : 'Выберите участника, о котором идёт речь.',
    unknownTarget: (text) => `Я ещё не видел ${text} и не знаю, кто это. Ответьте на одно из сообщений этого участника или укажите его числовой id.`,
    targetIsBot: () => 'У ботов нет квоты. Выберите человека.',
    badNumber: (what, min, max) => {
      const { noun, must } = NUMBER[what];
      return `${noun[0]!.toUpperCase()}${noun.slice(1)} ${must} быть целым числом от ${min} до ${max}. ${NOTHING_CHANGED}`;
    },
    missingNumber: (what) => `Укажите ${NUMBER[what].noun} числом. ${NOTHING_CHANGED}`,
    someone: (userId) => `пользователь ${userId}`,
    show: (who, quota, resets) => {
      const lines = [
        `${who}: ${period(quota)} использовано ${quota.used} из ${images(quota.limit)} (${LIMIT_SOURCE[quota.limitSource]}); осталось ${quota.remaining}, бонус: ${quota.bonus}.`,
      ];
      if (quota.reserved > 0) lines.push(`${quota.reserved} зарезервировано выполняющимися запросами.`);
      lines.push(`Период обновится ${resets}.`);
      if (quota.blocked) {
        const where = quota.blocked.scope === 'platform' ? 'везде на этой платформе' : 'здесь';
        lines.push(`Доступ заблокирован ${where}${quota.blocked.reason ? ` (причина: ${quota.blocked.reason})` : ''}.`);
      }
      return lines.join('\n');
    },
    set: (who, change) =>
      change.after === null
        ? `${who}: личного лимита больше нет, действует лимит по умолчанию; прежний — ${limitText(change.before)}.`
        : `${who}: теперь можно использовать ${imagesOf(change.after)} за период; прежний личный лимит — ${limitText(change.before)}.`,
    grant: (who, change, amount) =>
      `${who}: начислено бонусом ${images(amount)}; бонус ${String(change.before)} → ${String(change.after)}, хранится до использования.`,
    reset: (who, change) => `${who}: счётчик за текущий период сброшен (${String(change.before)} → 0).`,
    block: (who, change, platformWide) =>
      change.before === true
        ? `${who}: доступ уже был заблокирован ${platformWide ? 'везде' : 'здесь'}; причина обновлена.`
        : `${who}: доступ заблокирован ${platformWide ? 'везде на этой платформе' : 'здесь'}. Запросы будут отклоняться без списания квоты, пока блокировку не снимут.`,
    unblock: (who, change, platformWide) =>
      change.before === true
        ? `${who}: блокировка снята${platformWide ? ' везде' : ''}.`
        : `${who}: блокировки ${platformWide ? 'на уровне платформы' : 'здесь'} не было; ничего не изменено.`,
    setDefault: (change, platformWide) => {
      const where = platformWide ? 'Лимит по умолчанию для всех на этой платформе' : 'Лимит по умолчанию здесь';
      return change.after === null
        ? `${where} снят (прежний — ${limitText(change.before)}); теперь действует лимит по умолчанию уровнем выше.`
        : `${where} теперь ${imagesOf(change.after)} за период; прежний — ${limitText(change.before)}.`;
    },
    logEmpty: (page) => (page === 1 ? 'Журнал модерации пока пуст.' : `В журнале нет страницы ${page}.`),
    logPage: (lines, page, pages) =>
      [`Журнал модерации, сначала новые (страница ${page} из ${pages}):`, ...lines, ...(page < pages ? [`Более ранние записи: страница ${page + 1}.`] : [])].join('\n'),
    logLine: (entry, when) => {
      const actor = entry.actor.name ?? entry.actor.userId;
      const target = entry.target ? `, ${entry.target.name ?? entry.target.userId}` : '';
      const reason = entry.reason ? ` (причина: ${entry.reason})` : '';
      return `• ${when}: ${actor} — ${ACTION[entry.action]}${target}: ${valueText(entry.before)} → ${valueText(entry.after)}${reason}`;
    },
  },
  result: {
    promptLabel: 'Запрос',
    elapsedLabel: 'Время',
    providerLabel: 'Сервис',
    seconds: (ms) => `${secondsOf(ms, ',')} с`,
    reencoded: (count, limit) =>
      count === 1
        ? `Одно изображение оказалось слишком большим для загрузки сюда (${limit}), поэтому оно отправлено как JPEG меньшего размера.`
        : `${images(count)} оказались слишком большими для загрузки сюда (${limit}), поэтому они отправлены как JPEG меньшего размера.`,
    leftOut: (count, total, limit) =>
      `Не удалось отправить изображений: ${count} из ${total}. Даже после сжатия ${count === 1 ? 'оно слишком большое' : 'они слишком большие'} для загрузки сюда (${limit}). ${NOT_CHARGED}`,
    lateDelivery: (mention) => `${mention}, ваши изображения готовы. (Запрос выполнялся дольше, чем Discord позволяет мне редактировать исходный ответ.)`,
    modalTitle: 'Изменить с Nano Banana',
    noImagesInMessage: () => 'В этом сообщении нет изображения, которое я могу изменить. Используйте команду на сообщении с прикреплённым изображением.',
    inputsExpired: () => `Discord больше не отдаёт исходные изображения. Нажмите «Изменить это» под результатом или снова используйте /${COMMANDS.edit.name}.`,
  },
  commands: COMMANDS,
};
